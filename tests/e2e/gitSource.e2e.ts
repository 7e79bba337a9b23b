/**
 * End to end, for real: `pulumi package add` from a git URL. The repository's committed HEAD,
 * tagged with package.json's version as a release would be, is served by a git host of the test's
 * own on 127.0.0.1 (smart HTTP over TLS with a CA made at test time, see gitServer.ts); a YAML
 * program adds `https://127.0.0.1/ai4e/emqx.git@v<version>`, Pulumi clones, installs and builds it
 * as a plugin, and a preview constructs a Deployment with it after the git host is gone. The
 * plugin it installed is removed again.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { parse, stringify } from "yaml";
import { makeTempPki } from "../brokers/certificates";
import { repoRoot } from "../harness/stackFiles";
import { type GitServer, serveGit } from "./gitServer";
import { packageAdd } from "./project";

const version: string = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).version;
const pluginsDir = path.join(process.env.PULUMI_HOME ?? path.join(homedir(), ".pulumi"), "plugins");
const installed = () => readdirSync(pluginsDir).filter((entry) => entry.startsWith("resource-127.0.0.1_ai4e_emqx.git-"));

describe("`pulumi package add` from a git URL, for real", { concurrency: 1 }, () => {
    const root = mkdtempSync(path.join(tmpdir(), "emqx-e2e-git-"));
    const dir = path.join(root, "program");
    const env = { PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`, PULUMI_CONFIG_PASSPHRASE: randomBytes(18).toString("base64url"), PULUMI_SKIP_UPDATE_CHECK: "true" };
    const pki = makeTempPki();
    let host: GitServer | undefined;
    let cannot: string | undefined;

    before(async () => {
        mkdirSync(dir);
        mkdirSync(path.join(root, "state"));
        const bare = path.join(root, "git", "ai4e", "emqx.git");
        execFileSync("git", ["clone", "-q", "--bare", repoRoot, bare]);
        execFileSync("git", ["-C", bare, "tag", `v${version}`, "HEAD"]);
        assert.deepEqual(installed(), [], "an emqx plugin from 127.0.0.1 is installed already; `pulumi plugin rm` it first");
        host = await serveGit(path.join(root, "git"), { cert: pki.cert, key: pki.key }).catch((err: Error) => {
            cannot = `cannot run here: no git host on 127.0.0.1:443 (${err.message})`;
            return undefined;
        });
        const program = { name: "git-consumer", runtime: "yaml", resources: { broker: { type: "emqx:index:Deployment", properties: { allowInsecureDefaults: true, allowAnonymous: true, dashboardPassword: "a-long-password-1" } } } };
        writeFileSync(path.join(dir, "Pulumi.yaml"), stringify(program));
    });

    after(async () => {
        await host?.close();
        for (const entry of installed()) rmSync(path.join(pluginsDir, entry), { recursive: true, force: true });
        pki.remove();
        rmSync(root, { recursive: true, force: true });
    });

    it(`adds https://127.0.0.1/ai4e/emqx.git@v${version}, which Pulumi clones, builds and installs`, async (t) => {
        if (cannot) return t.skip(cannot);
        const added = await packageAdd(dir, `${host!.url}/ai4e/emqx.git@v${version}`, { ...env, SSL_CERT_FILE: pki.caFile });
        console.log(`# package add from a git URL: ${(added.ms / 1000).toFixed(1)} s`);
        assert.equal(added.code, 0, added.output);
        assert.equal(parse(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).packages?.emqx, `127.0.0.1/ai4e/emqx.git@v${version}`);
        assert.deepEqual(installed().filter((entry) => !entry.endsWith(".lock")), [`resource-127.0.0.1_ai4e_emqx.git-v${version}`]);
    });

    it("a preview constructs the Deployment with the installed plugin, the git host gone", async (t) => {
        if (cannot) return t.skip(cannot);
        await host!.close();
        host = undefined;
        const stack = await LocalWorkspace.createOrSelectStack({ stackName: "e2egit", workDir: dir }, { envVars: env });
        const preview = await stack.preview({});
        assert.match(preview.stdout, /\+\s+docker:index:Container broker create/);
        assert.match(preview.stdout, /\+\s+pulumi:index:Stash broker-post-deploy-check-passed create/);
    });
});
