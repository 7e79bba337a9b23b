/**
 * Benchmark of what users wait for in a deploy (`npm run bench:deploy`; needs the e2e tier's
 * toolchain, and docker-compose for the third column). In one run, alternating, BENCH_RUNS times
 * (default 5), with the seed's names and ports:
 *  - full cycle: `pulumi up --yes --skip-preview` of dev (post-deploy check included) then
 *    `pulumi destroy`; the same Docker resources (image, network, 2 volumes, container) in a plain
 *    Pulumi program plus an MQTT round trip; `docker-compose up -d` of the seed file plus the
 *    round trip, then `down`;
 *  - no-op `pulumi up --yes --skip-preview` of dev and of the plain program;
 *  - the first deploy of the cluster stack (three nodes) beside dev's first deploy;
 *  - a YAML program that adds the package (`pulumi package add`, once) and declares one
 *    emqx:index:Deployment with dev's values: its first deploy and no-op up beside dev's.
 * Prints medians and the project's ratios: to the plain program, cluster to dev, consumer to dev.
 */
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { checkMqtt } from "../lib/check/mqtt";
import { stringify } from "yaml";
import { configDefaults } from "../lib/config/defaults";
import { copyProject } from "../tests/e2e/project";
import { repoRoot, stackFileValues } from "../tests/harness/stackFiles";
import { emqxImage, missingToolchain } from "../tests/e2e/toolchain";

const runs = Number(process.env.BENCH_RUNS ?? 5);

const seedCompose = `version: '3.2'
services:
  emqx:
    image: ${emqxImage}
    container_name: ai4e_emqx
    restart: always
    ports:
      - "1883:1883"
      - "8883:8883"
      - "8083:8083"
      - "8084:8084"
      - "18083:18083"
    networks:
      ai4e_net:
        ipv4_address: 172.20.0.117
networks:
  ai4e_net:
    ipam:
      config:
        - subnet: 172.20.0.0/16
`;

const plainProgram = `import * as docker from "@pulumi/docker";
const image = new docker.RemoteImage("image", { name: "${emqxImage}", keepLocally: true });
const network = new docker.Network("network", { name: "ai4e_net", ipamConfigs: [{ subnet: "172.20.0.0/16" }] });
const data = new docker.Volume("data", { name: "plain-emqx-data" });
const log = new docker.Volume("log", { name: "plain-emqx-log" });
new docker.Container("emqx", {
    name: "ai4e_emqx",
    image: image.imageId,
    restart: "always",
    networksAdvanced: [{ name: network.name, ipv4Address: "172.20.0.117" }],
    ports: [1883, 8883, 8083, 8084, 18083].map((port) => ({ internal: port, external: port })),
    volumes: [{ volumeName: data.name, containerPath: "/opt/emqx/data" }, { volumeName: log.name, containerPath: "/opt/emqx/log" }],
});
`;

function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<number> {
    const started = performance.now();
    return new Promise((resolve, reject) =>
        execFile(command, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 }, (err, stdout, stderr) =>
            err ? reject(new Error(`${command} ${args.join(" ")} failed: ${(stderr || stdout).slice(-2000)}`)) : resolve(performance.now() - started),
        ),
    );
}

async function roundTrip(): Promise<number> {
    const started = performance.now();
    await checkMqtt({ url: "mqtt://127.0.0.1:1883", timeoutMs: 120_000 });
    return performance.now() - started;
}

/** Dev's stack file as a Deployment's arguments, each in its type. */
function devArguments(): Record<string, unknown> {
    const defaults: Record<string, unknown> = configDefaults;
    return Object.fromEntries(
        Object.entries(stackFileValues("dev")).map(([key, value]) => {
            const name = key.slice(key.indexOf(":") + 1);
            const kind = typeof defaults[name];
            return [name, kind === "number" ? Number(value) : kind === "boolean" ? String(value) === "true" : kind === "string" ? String(value) : value];
        }),
    );
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
    const missing = missingToolchain();
    if (missing) {
        console.log(`bench:deploy: not run here, missing ${missing}`);
        return;
    }
    const project = copyProject();
    const plainDir = path.join(path.dirname(project.dir), "plain");
    mkdirSync(plainDir);
    writeFileSync(path.join(plainDir, "Pulumi.yaml"), "name: emqx-plain\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
    writeFileSync(path.join(plainDir, "index.ts"), plainProgram);
    writeFileSync(path.join(plainDir, "package.json"), JSON.stringify({ name: "emqx-plain", main: "index.ts" }));
    writeFileSync(path.join(plainDir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, target: "es2022", module: "commonjs", moduleResolution: "node", esModuleInterop: true, skipLibCheck: true }, files: ["index.ts"] }));
    await run("ln", ["-s", path.join(project.dir, "node_modules"), path.join(plainDir, "node_modules")], plainDir, {});
    const consumerDir = path.join(path.dirname(project.dir), "consumer");
    mkdirSync(consumerDir);
    const consumerProgram = { name: "emqx-consumer", runtime: "yaml", resources: { emqx: { type: "emqx:index:Deployment", properties: devArguments() } }, outputs: { mqttUrl: "${emqx.mqttUrl}" } };
    writeFileSync(path.join(consumerDir, "Pulumi.yaml"), stringify(consumerProgram));
    const composeFile = path.join(path.dirname(project.dir), "seed-compose.yml");
    writeFileSync(composeFile, seedCompose);
    const compose = await run("docker-compose", ["version"], plainDir, {}).then(() => true, () => false);

    const onStack = (stack: string) => (dir: string, ...args: string[]) => run("pulumi", [...args, "--stack", stack, "--non-interactive"], dir, project.env);
    const pulumi = onStack("dev");
    const cluster = onStack("cluster");
    const upArgs = ["up", "--yes", "--skip-preview"];
    const downArgs = ["destroy", "--yes", "--skip-preview"];
    await pulumi(project.dir, "stack", "init").catch(() => undefined);
    await pulumi(plainDir, "stack", "init").catch(() => undefined);
    await cluster(project.dir, "stack", "init").catch(() => undefined);
    const packageAdd = await run("pulumi", ["package", "add", repoRoot], consumerDir, project.env);
    await pulumi(consumerDir, "stack", "init").catch(() => undefined);

    const times: Record<string, number[]> = { projectCycle: [], plainCycle: [], composeCycle: [], projectNoop: [], plainNoop: [], devUp: [], clusterUp: [], consumerUp: [], consumerNoop: [] };
    try {
        for (let i = 0; i < runs; i++) {
            const devUp = await pulumi(project.dir, ...upArgs);
            times.devUp.push(devUp);
            times.projectCycle.push(devUp + (await pulumi(project.dir, ...downArgs)));
            times.clusterUp.push(await cluster(project.dir, ...upArgs));
            await cluster(project.dir, ...downArgs);
            times.plainCycle.push((await pulumi(plainDir, ...upArgs)) + (await roundTrip()) + (await pulumi(plainDir, ...downArgs)));
            if (compose) {
                const composeArgs = ["-p", "seed", "-f", composeFile];
                times.composeCycle.push((await run("docker-compose", [...composeArgs, "up", "-d"], plainDir, {})) + (await roundTrip()) + (await run("docker-compose", [...composeArgs, "down", "-v"], plainDir, {})));
            }
            times.consumerUp.push(await pulumi(consumerDir, ...upArgs));
            times.consumerNoop.push(await pulumi(consumerDir, ...upArgs));
            await pulumi(consumerDir, ...downArgs);
            for (const [dir, key] of [[project.dir, "projectNoop"], [plainDir, "plainNoop"]] as const) {
                await pulumi(dir, ...upArgs);
                times[key].push(await pulumi(dir, ...upArgs));
                await pulumi(dir, ...downArgs);
            }
            console.log(`run ${i + 1}/${runs}: ${Object.entries(times).map(([k, v]) => `${k} ${v.length ? seconds(v[v.length - 1]) : "-"}`).join(", ")}`);
        }
    } finally {
        await pulumi(project.dir, ...downArgs).catch(() => undefined);
        await pulumi(plainDir, ...downArgs).catch(() => undefined);
        await cluster(project.dir, ...downArgs).catch(() => undefined);
        await pulumi(consumerDir, ...downArgs).catch(() => undefined);
        project.remove();
    }
    const cycle = median(times.projectCycle) / median(times.plainCycle);
    const noop = median(times.projectNoop) / median(times.plainNoop);
    console.log(`\nmedians of ${runs} runs, alternating:`);
    console.log(`full cycle (up with check + destroy): project ${seconds(median(times.projectCycle))}, plain program + round trip ${seconds(median(times.plainCycle))} (ratio ${cycle.toFixed(2)})` +
        (compose ? `, docker-compose + round trip ${seconds(median(times.composeCycle))}` : ", docker-compose not installed"));
    console.log(`no-op up: project ${seconds(median(times.projectNoop))}, plain program ${seconds(median(times.plainNoop))} (ratio ${noop.toFixed(2)})`);
    const clusterRatio = median(times.clusterUp) / median(times.devUp);
    console.log(`first deploy: cluster (3 nodes) ${seconds(median(times.clusterUp))}, dev ${seconds(median(times.devUp))} (ratio ${clusterRatio.toFixed(2)})`);
    const consumerUp = median(times.consumerUp) / median(times.devUp);
    const consumerNoop = median(times.consumerNoop) / median(times.projectNoop);
    console.log(
        `YAML consumer of the package (dev's values): package add ${seconds(packageAdd)}; first deploy ${seconds(median(times.consumerUp))} vs dev ${seconds(median(times.devUp))} ` +
            `(ratio ${consumerUp.toFixed(2)}); no-op up ${seconds(median(times.consumerNoop))} vs dev ${seconds(median(times.projectNoop))} (ratio ${consumerNoop.toFixed(2)})`,
    );
}

main().catch((err: Error) => {
    console.error(`bench:deploy failed: ${err.message}`);
    process.exit(1);
});
