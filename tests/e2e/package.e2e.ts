/**
 * End to end, for real: the README's YAML and Python programs, each in a folder of its own, add
 * this repository with `pulumi package add` and deploy a broker with an account and a rule through
 * the component provider, and its TypeScript program does the same with the package as an npm
 * dependency, in its own process; the post-deploy check passes inside their `up`, a broker that stops
 * answering fails it with the reason, no secret reaches the state in plain text, and `destroy`
 * leaves nothing. For this machine each gets names and ports of its own and an open-file limit the
 * daemon grants; on the stand-in, which serves no authorization API, the rule is left out and
 * unmatched requests allowed, and the case says so in one line.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { parse, stringify } from "yaml";
import { repoRoot } from "../harness/stackFiles";
import { docker, grantableNofileLimit, inspect, labelled, removeLabelled } from "./docker";
import { refusal, roundTrip, subscription } from "./mqtt";
import { failedUp, packageAdd, up } from "./project";
import { standinCannot } from "./toolchain";

const authorizationCannot = standinCannot("does not serve EMQX's authorization API, so the program's rule is left out and unmatched requests are allowed there");
const sensor = { username: "sensor", password: "sensor-password-1" };
const secrets = { dashboardPassword: "consumer-dashboard-pw-1", nodeCookie: "e2e_consumer_cookie_01", sensorPassword: sensor.password };

/** The README's program in `language`: the first such block of "Use it from your own program". */
function readmeProgram(language: string): string {
    const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
    const block = new RegExp("```" + language + "\\n([\\s\\S]*?)```").exec(readme.slice(readme.indexOf("## Use it from your own program")));
    assert.ok(block, `README's section has a ${language} program`);
    return block[1];
}

/** What this machine needs changed: names, subnet and ports of each consumer's own, a limit the daemon grants, nothing kept. */
function forThisMachine(index: number, checkTimeoutSeconds?: number): Record<string, string | number | boolean> {
    const base = 22883 + 10 * index;
    return {
        containerName: `emqx_e2e_consumer${index}`,
        networkName: `emqx_e2e_consumer${index}_net`,
        subnet: `172.29.${10 + index}.0/24`,
        containerIp: `172.29.${10 + index}.10`,
        mqttPort: base,
        mqttsPort: base + 1,
        wsPort: base + 2,
        wssPort: base + 3,
        dashboardPort: base + 4,
        nofileLimit: grantableNofileLimit,
        keepVolumesOnDestroy: false,
        ...(checkTimeoutSeconds ? { checkTimeoutSeconds } : {}),
        ...(authorizationCannot ? { authorizationNoMatch: "allow" } : {}),
    };
}

interface Consumer {
    language: string;
    /** How the program gets the package, as the README says. */
    install: "pulumi package add" | "npm dependency";
    /** Why it cannot run on this machine, if it cannot. */
    missing(): string | undefined;
    /** Writes the README's program into `dir` with `changes` applied (and the rule left out on the stand-in). */
    write(dir: string, changes: Record<string, string | number | boolean>): void;
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The `packages:` that `pulumi package add` wrote into the program's Pulumi.yaml, kept through a rewrite. */
function addedPackages(dir: string): Record<string, unknown> | undefined {
    return readdirSync(dir).includes("Pulumi.yaml") ? parse(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).packages : undefined;
}

const consumers: Consumer[] = [
    {
        language: "yaml",
        install: "pulumi package add",
        missing: () => (spawnSync("pulumi-language-yaml", ["--help"]).error ? "the YAML language host (pulumi-language-yaml on PATH)" : undefined),
        write(dir, changes) {
            const program = { ...parse(readmeProgram("yaml")), packages: addedPackages(dir) };
            Object.assign(program.resources.broker.properties, changes);
            if (authorizationCannot) delete program.resources.broker.properties.mqttAcl;
            writeFileSync(path.join(dir, "Pulumi.yaml"), stringify(program));
        },
    },
    {
        language: "python",
        install: "pulumi package add",
        missing: () => (spawnSync("pulumi-language-python", ["--help"]).error || spawnSync("python3", ["-m", "venv", "--help"]).status !== 0 ? "the Python language host (pulumi-language-python and python3 with venv)" : undefined),
        write(dir, changes) {
            const project = { name: "my-app", runtime: { name: "python", options: { toolchain: "pip", virtualenv: "venv" } }, packages: addedPackages(dir) };
            writeFileSync(path.join(dir, "Pulumi.yaml"), stringify(project));
            writeFileSync(path.join(dir, "requirements.txt"), "pulumi>=3.259.0,<4.0.0\n");
            const keywords = Object.fromEntries(Object.entries(changes).map(([key, value]) => [snake(key), value]));
            // This machine's arguments take the place of the README's own (one per line); a rule the stand-in cannot hold is left out.
            const replaced = [...Object.keys(keywords), ...(authorizationCannot ? ["mqtt_acl"] : [])];
            const program = readmeProgram("python")
                .split("\n")
                .filter((line) => !replaced.some((key) => line.startsWith(`    ${key}=`)))
                .join("\n")
                .replace('    "broker",\n', `    "broker",\n    **json.loads(${JSON.stringify(JSON.stringify(keywords))}),\n`);
            writeFileSync(path.join(dir, "__main__.py"), `import json\n${program}`);
        },
    },
    {
        language: "typescript",
        install: "npm dependency",
        missing: () => undefined,
        write(dir, changes) {
            const project = { name: "my-app", runtime: { name: "nodejs", options: { typescript: true } }, main: "index.ts" };
            writeFileSync(path.join(dir, "Pulumi.yaml"), stringify(project));
            // This machine's arguments take the place of the README's own (one per line); a rule the stand-in cannot hold is left out.
            const replaced = [...Object.keys(changes), ...(authorizationCannot ? ["mqttAcl"] : [])];
            const program = readmeProgram("typescript")
                .split("\n")
                .filter((line) => !replaced.some((key) => line.startsWith(`    ${key}:`)))
                .join("\n")
                .replace('new Deployment("broker", {\n', `new Deployment("broker", {\n    ...${JSON.stringify(changes)},\n`);
            writeFileSync(path.join(dir, "index.ts"), program);
        },
    },
];

/**
 * A TypeScript program's node_modules as `npm install <this repository>` makes it: the package
 * linked to its folder, beside the packages it shares with it (the same files, so one Pulumi SDK).
 */
function linkAsNpmDependency(dir: string): void {
    const modules = path.join(dir, "node_modules");
    mkdirSync(path.join(modules, "@ai4e"), { recursive: true });
    symlinkSync(repoRoot, path.join(modules, "@ai4e", "emqx"));
    for (const entry of readdirSync(path.join(repoRoot, "node_modules"))) {
        if (entry !== ".bin" && entry !== "@ai4e") symlinkSync(path.join(repoRoot, "node_modules", entry), path.join(modules, entry));
    }
}

consumers.forEach((consumer, index) => {
    describe(`the README's ${consumer.language} program gets the package and deploys, for real`, { concurrency: 1 }, () => {
        const stackName = `e2e${consumer.language}`;
        const root = mkdtempSync(path.join(tmpdir(), `emqx-e2e-${consumer.language}-`));
        const dir = path.join(root, "program");
        const env = { PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`, PULUMI_CONFIG_PASSPHRASE: randomBytes(18).toString("base64url"), PULUMI_SKIP_UPDATE_CHECK: "true" };
        const owner = ["com.pulumi.project=my-app", `com.pulumi.stack=${stackName}`];
        const changes = forThisMachine(index);
        const mqttUrl = `mqtt://127.0.0.1:${changes.mqttPort}`;
        const timings: Record<string, number> = {};
        const missing = consumer.missing();
        let stack: Stack;

        before(() => {
            if (missing) return;
            assert.deepEqual(labelled(...owner), { containers: [], networks: [], volumes: [] }, `Docker already holds a ${stackName} stack; remove it first`);
            mkdirSync(dir);
            mkdirSync(path.join(root, "state"));
            consumer.write(dir, changes);
        });

        after(async () => {
            await stack?.destroy({}).catch(() => undefined);
            removeLabelled(...owner);
            rmSync(root, { recursive: true, force: true });
            if (Object.keys(timings).length > 0) console.log(`# ${consumer.language} consumer timings: ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(", ")}`);
        });

        it(`gets the package as ${consumer.install}`, async (t) => {
            if (missing) return t.skip(`cannot run here: missing ${missing}`);
            if (consumer.install === "npm dependency") return linkAsNpmDependency(dir);
            const added = await packageAdd(dir, repoRoot, env);
            timings["package add"] = added.ms;
            assert.equal(added.code, 0, added.output);
            assert.equal(parse(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).packages?.emqx, repoRoot, "Pulumi.yaml names the package's folder");
        });

        it("up deploys the broker, and the check passes inside it", async (t) => {
            if (missing) return t.skip(`cannot run here: missing ${missing}`);
            stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: dir }, { envVars: env });
            for (const [key, value] of Object.entries(secrets)) await stack.setConfig(key, { value, secret: true });
            const result = await up(stack);
            timings["first deploy"] = result.ms;
            assert.match(result.output, /post-deploy check passed/);
            assert.equal(result.outputs.mqttUrl.value, mqttUrl);
            assert.equal(inspect("container", String(changes.containerName))?.State.Running, true);
        });

        it("the account makes a round trip, an anonymous client is refused, and the rule holds", async (t) => {
            if (missing) return t.skip(`cannot run here: missing ${missing}`);
            await roundTrip({ url: mqttUrl, ...sensor, topic: "sensors/e2e" });
            assert.ok([4, 5].includes((await refusal({ url: mqttUrl }))!), "anonymous client refused");
            if (authorizationCannot) return t.skip(authorizationCannot);
            assert.equal(await subscription({ url: mqttUrl, ...sensor }, "elsewhere/x"), 128, "what no rule allows is denied");
        });

        it("no secret is in the state in plain text", (t) => {
            if (missing) return t.skip(`cannot run here: missing ${missing}`);
            const files = readdirSync(path.join(root, "state"), { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
            assert.ok(files.some((f) => f.name === `${stackName}.json`), "the backend holds the stack's state");
            const state = files.map((f) => readFileSync(path.join(f.parentPath ?? f.path, f.name), "utf8")).join("\n");
            for (const secret of Object.values(secrets)) assert.equal(state.includes(secret), false, "a secret in plain text");
        });

        it("a second up changes nothing", async (t) => {
            if (missing) return t.skip(`cannot run here: missing ${missing}`);
            const result = await up(stack);
            timings["no-op up"] = result.ms;
            assert.deepEqual(Object.keys(result.summary.resourceChanges ?? {}), ["same"], JSON.stringify(result.summary.resourceChanges));
        });

        it("a broker that stops answering fails the program's up with the reason", async (t) => {
            if (missing) return t.skip(`cannot run here: missing ${missing}`);
            consumer.write(dir, forThisMachine(index, 3));
            docker("pause", String(changes.containerName));
            try {
                assert.match(await failedUp(stack), /before hook "[\w-]+" failed: .*within 3 s/);
            } finally {
                docker("unpause", String(changes.containerName));
            }
            assert.match((await up(stack)).output, /post-deploy check passed/);
        });

        it("destroy leaves nothing: no container, network or volume", async (t) => {
            if (missing) return t.skip(`cannot run here: missing ${missing}`);
            await stack.destroy({});
            assert.deepEqual(labelled(...owner), { containers: [], networks: [], volumes: [] });
            assert.equal(inspect("network", String(changes.networkName)), undefined);
        });
    });
});
