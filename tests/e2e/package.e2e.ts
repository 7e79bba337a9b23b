/**
 * End to end, for real: the README's YAML program, in a folder of its own, adds this repository
 * with `pulumi package add` and deploys a broker with an account and a rule through the component
 * provider; the post-deploy check passes inside its `up`, a broker that stops answering fails it
 * with the reason, and `destroy` leaves nothing. For this machine it gets names and ports of its
 * own and an open-file limit the daemon grants; on the stand-in, which serves no authorization API,
 * the rule is left out and unmatched requests allowed, and the case says so in one line.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { parse, stringify } from "yaml";
import { repoRoot } from "../harness/stackFiles";
import { docker, grantableNofileLimit, inspect, labelled, removeLabelled } from "./docker";
import { refusal, roundTrip, subscription } from "./mqtt";
import { failedUp, up } from "./project";
import { standinCannot } from "./toolchain";

const stackName = "e2eyaml";
const forThisMachine = {
    containerName: "emqx_e2e_yaml",
    networkName: "emqx_e2e_yaml_net",
    subnet: "172.29.3.0/24",
    containerIp: "172.29.3.10",
    mqttPort: 41883,
    mqttsPort: 48883,
    wsPort: 48083,
    wssPort: 48084,
    dashboardPort: 48183,
    nofileLimit: grantableNofileLimit,
    keepVolumesOnDestroy: false,
};
const mqttUrl = `mqtt://127.0.0.1:${forThisMachine.mqttPort}`;
const sensor = { username: "sensor", password: "sensor-password-1" };
const authorizationCannot = standinCannot("does not serve EMQX's authorization API, so the program's rule is left out and unmatched requests are allowed there");

/** The README's YAML program: the first yaml block of "Use it from your own program". */
function readmeProgram(): Record<string, any> {
    const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Use it from your own program"));
    const block = /```yaml\n([\s\S]*?)```/.exec(section);
    assert.ok(block, "README's section has a YAML program");
    return parse(block[1]);
}

function pulumiCli(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; output: string; ms: number }> {
    const started = Date.now();
    return new Promise((resolve) => {
        execFile("pulumi", args, { cwd, env: { ...process.env, ...env }, timeout: 300_000 }, (err, stdout, stderr) =>
            resolve({ code: err ? 1 : 0, output: stdout + stderr, ms: Date.now() - started }),
        );
    });
}

describe("the README's YAML program adds the package and deploys, for real", { concurrency: 1 }, () => {
    const root = mkdtempSync(path.join(tmpdir(), "emqx-e2e-yaml-"));
    const dir = path.join(root, "program");
    const env = { PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`, PULUMI_CONFIG_PASSPHRASE: randomBytes(18).toString("base64url"), PULUMI_SKIP_UPDATE_CHECK: "true" };
    const program = readmeProgram();
    const owner = [`com.pulumi.project=${program.name}`, `com.pulumi.stack=${stackName}`];
    const properties = program.resources.broker.properties;
    const timings: Record<string, number> = {};
    let stack: Stack;
    const writeProgram = () => writeFileSync(path.join(dir, "Pulumi.yaml"), stringify(program));

    before(() => {
        assert.deepEqual(labelled(...owner), { containers: [], networks: [], volumes: [] }, `Docker already holds a ${stackName} stack; remove it first`);
        mkdirSync(dir);
        mkdirSync(path.join(root, "state"));
        Object.assign(properties, forThisMachine);
        if (authorizationCannot) {
            delete properties.mqttAcl;
            properties.authorizationNoMatch = "allow";
        }
        writeProgram();
    });

    after(async () => {
        await stack?.destroy({}).catch(() => undefined);
        removeLabelled(...owner);
        rmSync(root, { recursive: true, force: true });
        console.log(`# YAML consumer timings: ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(", ")}`);
    });

    it("`pulumi package add <this repository>` adds emqx to the program", async () => {
        const added = await pulumiCli(["package", "add", repoRoot], dir, env);
        timings["package add"] = added.ms;
        assert.equal(added.code, 0, added.output);
        Object.assign(program, { packages: parse(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).packages });
        assert.equal(program.packages?.emqx, repoRoot, "Pulumi.yaml names the package's folder");
    });

    it("up deploys the broker, and the check passes inside it", async () => {
        stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: dir }, { envVars: env });
        await stack.setConfig("dashboardPassword", { value: "yaml-dashboard-pw-1", secret: true });
        await stack.setConfig("nodeCookie", { value: "e2e_yaml_cookie_0123", secret: true });
        await stack.setConfig("sensorPassword", { value: sensor.password, secret: true });
        const result = await up(stack);
        timings["first deploy"] = result.ms;
        assert.match(result.output, /post-deploy check passed/);
        assert.equal(result.outputs.mqttUrl.value, mqttUrl);
        assert.equal(inspect("container", forThisMachine.containerName)?.State.Running, true);
    });

    it("the account makes a round trip, an anonymous client is refused, and the rule holds", async (t) => {
        await roundTrip({ url: mqttUrl, ...sensor, topic: "sensors/e2e" });
        assert.ok([4, 5].includes((await refusal({ url: mqttUrl }))!), "anonymous client refused");
        if (authorizationCannot) return t.skip(authorizationCannot);
        assert.equal(await subscription({ url: mqttUrl, ...sensor }, "elsewhere/x"), 128, "what no rule allows is denied");
    });

    it("no secret is in the state in plain text", () => {
        const files = readdirSync(path.join(root, "state"), { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
        assert.ok(files.some((f) => f.name === `${stackName}.json`), "the backend holds the stack's state");
        const state = files.map((f) => readFileSync(path.join(f.parentPath ?? f.path, f.name), "utf8")).join("\n");
        for (const secret of [sensor.password, "yaml-dashboard-pw-1", "e2e_yaml_cookie_0123"]) assert.equal(state.includes(secret), false, "a secret in plain text");
    });

    it("a second up changes nothing", async () => {
        const result = await up(stack);
        timings["no-op up"] = result.ms;
        assert.deepEqual(Object.keys(result.summary.resourceChanges ?? {}), ["same"], JSON.stringify(result.summary.resourceChanges));
    });

    it("a broker that stops answering fails the program's up with the reason", async () => {
        properties.checkTimeoutSeconds = 3;
        writeProgram();
        docker("pause", forThisMachine.containerName);
        try {
            assert.match(await failedUp(stack), /before hook "[\w-]+" failed: .*within 3 s/);
        } finally {
            docker("unpause", forThisMachine.containerName);
        }
        assert.match((await up(stack)).output, /post-deploy check passed/);
    });

    it("destroy leaves nothing: no container, network or volume", async () => {
        await stack.destroy({});
        assert.deepEqual(labelled(...owner), { containers: [], networks: [], volumes: [] });
        assert.equal(inspect("network", forThisMachine.networkName), undefined);
    });
});
