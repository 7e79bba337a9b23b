/**
 * On-demand post-deploy check: `npm run check -- [--url URL] [--username U] [--tls] [--dashboard]
 * [--json] …` (or `node build/scripts/check.js …`, which skips npm's own start-up). Without --url
 * it checks the selected stack's deployment from `pulumi stack output`: its mqttUrl (mqttsUrl
 * with --tls, verified with the stack's CA and server name) as its first MQTT account; --cluster
 * proves every node of the stack's cluster too; --metrics adds connections and messages from its
 * metricsUrl. Passwords
 * come only from the environment: MQTT_PASSWORD, and EMQX_DASHBOARD_PASSWORD for --dashboard.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { HeadlineMetrics } from "../lib/check/metrics";
import { checkMqtt, isMqttCheckError } from "../lib/check/mqtt";

const usage =
    "usage: npm run check -- [--url mqtt://HOST:PORT] [--username U] [--password P, or MQTT_PASSWORD] [--timeout SECONDS] " +
    "[--ca FILE] [--servername NAME] [--insecure] [--tls] [--dashboard] [--cluster] [--metrics] [--json] [--stack NAME]";

const options = {
    url: { type: "string" },
    username: { type: "string" },
    password: { type: "string" },
    timeout: { type: "string", default: "30" },
    ca: { type: "string" },
    servername: { type: "string" },
    insecure: { type: "boolean", default: false },
    tls: { type: "boolean", default: false },
    dashboard: { type: "boolean", default: false },
    cluster: { type: "boolean", default: false },
    metrics: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    stack: { type: "string" },
} as const;

let json = false;

function fail(message: string, code: number, url?: string): never {
    if (json) process.stdout.write(`${JSON.stringify({ ok: false, url, error: message })}\n`);
    else process.stderr.write(`check: ${message}\n`);
    process.exit(code);
}

function stackOutputs(stack: string | undefined): Record<string, unknown> {
    try {
        const args = ["stack", "output", "--json", ...(stack ? ["--stack", stack] : [])];
        return JSON.parse(execFileSync("pulumi", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
    } catch (err) {
        const e = err as NodeJS.ErrnoException & { stderr?: string };
        if (e.code === "ENOENT") fail("the Pulumi CLI is not installed; install it, or pass --url", 2);
        fail(`could not read the stack's outputs: ${(e.stderr ?? e.message).trim().split("\n")[0]}; pass --url`, 2);
    }
}

function readCa(file: string): string {
    try {
        return readFileSync(file, "utf8");
    } catch (err) {
        fail(`--ca: cannot read ${file}: ${(err as Error).message}`, 2);
    }
}

async function main(): Promise<void> {
    let values;
    try {
        ({ values } = parseArgs({ options }));
    } catch (err) {
        fail(`${(err as Error).message}\n${usage}`, 2);
    }
    json = values.json;
    const timeout = Number(values.timeout);
    if (!(timeout > 0 && timeout <= 3600)) fail(`--timeout is "${values.timeout}"; expected seconds from 1 to 3600`, 2);
    const outputs = values.url ? {} : stackOutputs(values.stack);
    const fromStack = (key: string) => (typeof outputs[key] === "string" ? (outputs[key] as string) : undefined);
    const url = values.url ?? fromStack(values.tls ? "mqttsUrl" : "mqttUrl");
    if (!url) fail(`the stack has no ${values.tls ? "mqttsUrl" : "mqttUrl"} output; deploy it first, or pass --url`, 2);
    if (!/^(mqtts?|wss?):\/\//.test(url)) fail(`--url is "${url}"; expected mqtt://, mqtts://, ws:// or wss://`, 2);
    const username = values.username ?? (outputs.mqttUsernames as string[] | undefined)?.[0];
    const password = values.password ?? process.env.MQTT_PASSWORD;
    if (username && password === undefined) fail(`give the password of MQTT user ${username} in MQTT_PASSWORD`, 2);

    try {
        const result = await checkMqtt({
            url,
            username,
            password,
            ca: values.ca ? readCa(values.ca) : (fromStack("tlsCaCertificate") ?? undefined),
            servername: values.servername ?? fromStack("tlsServerName"),
            insecure: values.insecure,
            timeoutMs: timeout * 1000,
            onProgress: json ? undefined : (line) => process.stderr.write(`${line}\n`),
        });
        let dashboard: string | undefined;
        let cluster: string | undefined;
        if (values.dashboard || values.cluster) {
            const flag = values.cluster ? "--cluster" : "--dashboard";
            dashboard = fromStack("dashboardUrl");
            const dashboardPassword = process.env.EMQX_DASHBOARD_PASSWORD;
            if (!dashboard) fail(`${flag} needs the stack's dashboardUrl output; run it without --url`, 2, url);
            if (dashboardPassword === undefined) fail(`${flag} needs the administrator's password in EMQX_DASHBOARD_PASSWORD`, 2, url);
            const login = { url: dashboard, username: fromStack("dashboardUsername") ?? "admin", password: dashboardPassword, containerName: fromStack("containerName") ?? "the container" };
            // Loaded only when asked for: the plain check's start-up is what a user waits for most often.
            const { checkDashboard } = await import("../lib/check/dashboard");
            const token = await checkDashboard({ ...login, timeoutMs: timeout * 1000 }).catch((err: Error) => fail(`${dashboard} failed: ${err.message}`, 1, url));
            if (values.cluster) {
                const nodes = (outputs.clusterNodes as { nodeName: string; mqttUrl: string }[] | undefined) ?? [];
                const { checkCluster } = await import("../lib/check/cluster");
                cluster = await checkCluster({ dashboardUrl: dashboard, token, nodes, username, password, timeoutMs: timeout * 1000 }).catch((err: Error) => fail(`cluster check failed: ${err.message}`, 1, url));
            }
        }
        let metrics: HeadlineMetrics | undefined;
        if (values.metrics) {
            const metricsUrl = fromStack("metricsUrl");
            if (!metricsUrl) fail("--metrics needs the stack's metricsUrl output; run it without --url", 2, url);
            const { readMetrics } = await import("../lib/check/metrics");
            metrics = await readMetrics(metricsUrl, Date.now() + timeout * 1000).catch((err: Error) => fail(`metrics: ${err.message}`, 1, url));
        }
        const figures = metrics && `; ${metrics.connections} connections, ${metrics.messagesReceived} messages received, ${metrics.messagesSent} sent`;
        const extra = `${dashboard ? `; ${dashboard} running, login accepted` : ""}${cluster ? `; ${cluster}` : ""}${figures ?? ""}`;
        if (json) process.stdout.write(`${JSON.stringify({ ok: true, url, username: username ?? null, ...result, dashboardUrl: dashboard ?? null, cluster: cluster ?? null, metrics: metrics ?? null })}\n`);
        else process.stdout.write(`ok: ${url} round trip ${result.roundTripMs} ms (attempt ${result.attempts}, ${result.elapsedMs} ms in all)${extra}\n`);
    } catch (err) {
        if (!isMqttCheckError(err)) throw err;
        fail(`${url} failed: ${err.message}`, 1, url);
    }
}

void main();
