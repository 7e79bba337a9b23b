/** `npm run check` as a person runs it: a child process against real brokers, exit codes and lines. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { type FakeEmqxApi, startFakeEmqxApi } from "./brokers/emqxApi";
import { type Mosquitto, startMosquitto } from "./brokers/mosquitto";
import { freePort } from "./brokers/ports";
import { openAfter, startSilentGate } from "./brokers/silentGate";
import { checkBin, exitAfterVerdict } from "./harness/checkProcess";

const cli = path.join(__dirname, "..", "scripts", "check.js");

/** Well below the 3 s an attempt may run, which is what a handle left behind would hold the process for. */
const exitLagBoundMs = 2000;

function runCli(args: string[], env: NodeJS.ProcessEnv = process.env) {
    const started = Date.now();
    return new Promise<{ code: number; stdout: string; stderr: string; ms: number }>((resolve) => {
        execFile(process.execPath, [cli, ...args], { env, timeout: 20_000 }, (err, stdout, stderr) =>
            resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr, ms: Date.now() - started }),
        );
    });
}

describe("npm run check", () => {
    let broker: Mosquitto;
    before(async () => (broker = await startMosquitto({ users: { u: "good-password" } })));
    after(() => broker.stop());

    it("runs the same through bin/emqx-check, without npm", async () => {
        const out = await new Promise<{ code: number; stdout: string }>((resolve) =>
            execFile(checkBin, ["--url", `mqtt://127.0.0.1:${broker.port}`, "--username", "u", "--timeout", "5"], { env: { ...process.env, MQTT_PASSWORD: "good-password" } }, (err, stdout) =>
                resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout }),
            ),
        );
        assert.equal(out.code, 0);
        assert.match(out.stdout, /^ok: mqtt:\/\/127\.0\.0\.1:\d+ round trip/);
    });

    it("exits 0 with a one-line summary that gives the round trip", async () => {
        const r = await runCli(["--url", `mqtt://127.0.0.1:${broker.port}`, "--username", "u", "--password", "good-password", "--timeout", "5"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`^ok: mqtt://127\\.0\\.0\\.1:${broker.port} round trip [0-9.]+ ms \\(attempt 1, \\d+ ms in all\\)\\n$`));
        assert.doesNotMatch(r.stdout + r.stderr, /good-password/, "the password is never printed");
    });

    it("takes the password from MQTT_PASSWORD, keeping it off the command line", async () => {
        const r = await runCli(["--url", `mqtt://127.0.0.1:${broker.port}`, "--username", "u", "--timeout", "5"], { ...process.env, MQTT_PASSWORD: "good-password" });
        assert.equal(r.code, 0, r.stderr);
        assert.doesNotMatch(r.stdout + r.stderr, /good-password/);
    });

    it("exits 1 with the reason on bad credentials, at once", async () => {
        const r = await runCli(["--url", `mqtt://127.0.0.1:${broker.port}`, "--username", "u", "--password", "nope", "--timeout", "10"]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /check: mqtt:\/\/127\.0\.0\.1:\d+ failed: broker refused the connection: not authorized \(code 5\)\n$/);
        assert.ok(r.ms < 5000);
    });

    it("exits 1 by the deadline when nothing listens, leaving no handle open", async () => {
        const port = await freePort();
        const r = await exitAfterVerdict(["--url", `mqtt://127.0.0.1:${port}`, "--timeout", "1"]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, new RegExp(`failed: could not connect to 127\\.0\\.0\\.1:${port} within 1 s, last error ECONNREFUSED\\n$`));
        // The process ends by itself: no socket or timer outlives the check.
        assert.ok(r.exitLagMs < exitLagBoundMs, `exited ${r.exitLagMs.toFixed(0)} ms after its verdict`);
    });

    // Nothing of an attempt may outlive the verdict: a CONNACK timer left running once held the
    // process 3.7 s past it. How soon it exits is measured by `npm run bench:check`.
    it("exits by itself soon after its verdict for a broker that starts 2 s late, nothing of its failed attempts left running", async () => {
        const late = await startMosquitto({ startDelayMs: 2000 });
        try {
            const r = await exitAfterVerdict(["--url", `mqtt://127.0.0.1:${late.port}`, "--timeout", "10"]);
            assert.equal(r.code, 0);
            assert.match(r.stdout, /^ok: .*attempt (\d{2,}|[2-9])\b/, "it retried while the broker was not there");
            assert.ok(r.exitLagMs < exitLagBoundMs, `exited ${r.exitLagMs.toFixed(0)} ms after printing ok`);
        } finally {
            await late.stop();
        }
    });

    it("exits by itself soon after its verdict after 2 s of a port that takes connections and answers none", async () => {
        const gate = await startSilentGate(broker.port);
        try {
            void openAfter(gate, 2000);
            const r = await exitAfterVerdict(["--url", `mqtt://127.0.0.1:${gate.port}`, "--username", "u", "--password", "good-password", "--timeout", "10"]);
            assert.equal(r.code, 0);
            assert.ok(gate.held() >= 5, `${gate.held()} attempts hung`);
            assert.ok(r.exitLagMs < exitLagBoundMs, `exited ${r.exitLagMs.toFixed(0)} ms after printing ok`);
        } finally {
            await gate.stop();
        }
    });

    it("exits 2 on a bad argument, naming it", async () => {
        const r = await runCli(["--url", "http://127.0.0.1:1", "--timeout", "1"]);
        assert.equal(r.code, 2);
        assert.equal(r.stderr, 'check: --url is "http://127.0.0.1:1"; expected mqtt://, mqtts://, ws:// or wss://\n');
        const t = await runCli(["--url", "mqtt://127.0.0.1:1", "--timeout", "soon"]);
        assert.equal(t.stderr, 'check: --timeout is "soon"; expected seconds from 1 to 3600\n');
    });

    describe("without --url (a stand-in `pulumi` on PATH that prints stack outputs as the CLI does)", () => {
        let bin: string;
        let api: FakeEmqxApi;
        const env = () => ({ ...process.env, PATH: `${bin}:${process.env.PATH}`, MQTT_PASSWORD: "good-password" });
        before(async () => {
            const metrics = "# TYPE emqx_connections_count gauge\nemqx_connections_count 3\n# TYPE emqx_messages_received counter\nemqx_messages_received 120\n# TYPE emqx_messages_sent counter\nemqx_messages_sent 118\nemqx_vm_cpu_use 12.5\n";
            api = await startFakeEmqxApi({ username: "admin", password: "dash-password-1" }, { nodes: { "emqx@n1.x": "running", "emqx@n2.x": "running" }, metrics });
            bin = mkdtempSync(path.join(tmpdir(), "fake-pulumi-"));
            const mqttUrl = `mqtt://127.0.0.1:${broker.port}`;
            const clusterNodes = [{ nodeName: "emqx@n1.x", mqttUrl }, { nodeName: "emqx@n2.x", mqttUrl }];
            const outputs = { mqttUrl, mqttUsernames: ["u"], containerName: "ai4e_emqx", dashboardUrl: api.url, metricsUrl: `${api.url}/api/v5/prometheus/stats`, dashboardUsername: "admin", tlsCaCertificate: null, clusterNodes };
            const script = `#!/bin/sh\n[ "$1 $2 $3" = "stack output --json" ] || exit 3\necho '${JSON.stringify(outputs)}'\n`;
            writeFileSync(path.join(bin, "pulumi"), script);
            chmodSync(path.join(bin, "pulumi"), 0o755);
        });
        after(async () => {
            rmSync(bin, { recursive: true, force: true });
            await api.stop();
        });

        it("checks the stack's mqttUrl as its first account, the password from MQTT_PASSWORD", async () => {
            const r = await runCli(["--timeout", "5"], env());
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, new RegExp(`^ok: mqtt://127\\.0\\.0\\.1:${broker.port} round trip`));
        });

        it("asks for the first account's password instead of trying without it", async () => {
            const r = await runCli(["--timeout", "5"], { ...env(), MQTT_PASSWORD: undefined });
            assert.equal(r.code, 2);
            assert.equal(r.stderr, "check: give the password of MQTT user u in MQTT_PASSWORD\n");
        });

        it("--json prints one JSON object, on success and on failure", async () => {
            const ok = JSON.parse((await runCli(["--timeout", "5", "--json"], env())).stdout);
            assert.deepEqual([ok.ok, ok.url, ok.username, ok.attempts, ok.roundTripMs > 0], [true, `mqtt://127.0.0.1:${broker.port}`, "u", 1, true]);
            const bad = await runCli(["--timeout", "5", "--json"], { ...env(), MQTT_PASSWORD: "wrong" });
            assert.equal(bad.code, 1);
            assert.deepEqual(JSON.parse(bad.stdout), { ok: false, url: `mqtt://127.0.0.1:${broker.port}`, error: `mqtt://127.0.0.1:${broker.port} failed: broker refused the connection: not authorized (code 5)` });
        });

        it("--dashboard also proves the dashboard, the password from EMQX_DASHBOARD_PASSWORD", async () => {
            const ok = await runCli(["--timeout", "5", "--dashboard"], { ...env(), EMQX_DASHBOARD_PASSWORD: "dash-password-1" });
            assert.equal(ok.code, 0, ok.stderr);
            assert.match(ok.stdout, new RegExp(`; ${api.url.replace(/\./g, "\\.")} running, login accepted\n$`));
            const refused = await runCli(["--timeout", "5", "--dashboard"], { ...env(), EMQX_DASHBOARD_PASSWORD: "wrong-password" });
            assert.equal(refused.code, 1);
            assert.match(refused.stderr, /dashboard login as admin was refused \(HTTP 401\)/);
            assert.doesNotMatch(refused.stdout + refused.stderr, /dash-password-1|wrong-password/);
        });

        it("--cluster proves every node of the stack's cluster (a stand-in API and one mosquitto as both nodes)", async () => {
            const r = await runCli(["--timeout", "5", "--cluster"], { ...env(), EMQX_DASHBOARD_PASSWORD: "dash-password-1" });
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /; 2 nodes running, messages cross between emqx@n1\.x and every other node\n$/);
        });

        it("--metrics adds the stack's connections and messages from its metricsUrl, without a login", async () => {
            const r = await runCli(["--timeout", "5", "--metrics"], env());
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /; 3 connections, 120 messages received, 118 sent\n$/);
            const json = JSON.parse((await runCli(["--timeout", "5", "--metrics", "--json"], env())).stdout);
            assert.deepEqual(json.metrics, { connections: 3, messagesReceived: 120, messagesSent: 118 });
            const withUrl = await runCli(["--url", `mqtt://127.0.0.1:${broker.port}`, "--username", "u", "--timeout", "5", "--metrics"], env());
            assert.equal(withUrl.code, 2);
            assert.equal(withUrl.stderr, "check: --metrics needs the stack's metricsUrl output; run it without --url\n");
        });

        it("says so in one line when the Pulumi CLI is missing", async () => {
            const r = await runCli(["--timeout", "1"], { ...process.env, PATH: "/nonexistent" });
            assert.equal(r.code, 2);
            assert.equal(r.stderr, "check: the Pulumi CLI is not installed; install it, or pass --url\n");
        });
    });
});

describe("npm run check over TLS", () => {
    let broker: Mosquitto;
    let caFile: string;
    before(async () => {
        broker = await startMosquitto({ tls: true });
        caFile = broker.pki!.caFile;
    });
    after(() => broker.stop());

    it("verifies with --ca and the name given by --servername", async () => {
        const url = `mqtts://127.0.0.1:${broker.tlsPort}`;
        const ok = await runCli(["--url", url, "--ca", caFile, "--servername", "localhost", "--timeout", "5"]);
        assert.equal(ok.code, 0, ok.stderr);
        const wrongName = await runCli(["--url", url, "--ca", caFile, "--servername", "broker.example.com", "--timeout", "5"]);
        assert.equal(wrongName.code, 1);
        assert.match(wrongName.stderr, /TLS handshake with 127\.0\.0\.1:\d+ failed: .*\(ERR_TLS_CERT_ALTNAME_INVALID\)\n$/);
    });

    it("--tls without --url checks the stack's mqttsUrl with the stack's own CA and server name", async () => {
        const bin = mkdtempSync(path.join(tmpdir(), "fake-pulumi-"));
        try {
            const outputs = { mqttUrl: "mqtt://127.0.0.1:1", mqttsUrl: `mqtts://127.0.0.1:${broker.tlsPort}`, mqttUsernames: [], tlsCaCertificate: broker.pki!.ca, tlsServerName: "localhost" };
            writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\ncat <<'EOF'\n${JSON.stringify(outputs)}\nEOF\n`);
            chmodSync(path.join(bin, "pulumi"), 0o755);
            const r = await runCli(["--tls", "--timeout", "5"], { ...process.env, PATH: `${bin}:${process.env.PATH}` });
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, new RegExp(`^ok: mqtts://127\\.0\\.0\\.1:${broker.tlsPort} round trip`));
        } finally {
            rmSync(bin, { recursive: true, force: true });
        }
    });
});
