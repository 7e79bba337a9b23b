/** `npm run check` as a person runs it: a child process against real brokers, exit codes and lines. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mosquitto, startMosquitto } from "./brokers/mosquitto";
import { freePort } from "./brokers/ports";

const cli = path.join(__dirname, "..", "scripts", "check.js");

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
        const r = await runCli(["--url", `mqtt://127.0.0.1:${port}`, "--timeout", "1"]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, new RegExp(`failed: could not connect to 127\\.0\\.0\\.1:${port} within 1 s, last error ECONNREFUSED\\n$`));
        // The process ends by itself: no socket or timer outlives the check.
        assert.ok(r.ms < 3000, `took ${r.ms} ms`);
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
        before(() => {
            bin = mkdtempSync(path.join(tmpdir(), "fake-pulumi-"));
            const script = `#!/bin/sh\n[ "$1 $2 $3" = "stack output --json" ] || exit 3\necho '{"mqttUrl": "mqtt://127.0.0.1:${broker.port}", "containerName": "ai4e_emqx"}'\n`;
            writeFileSync(path.join(bin, "pulumi"), script);
            chmodSync(path.join(bin, "pulumi"), 0o755);
        });
        after(() => rmSync(bin, { recursive: true, force: true }));

        it("checks the stack's mqttUrl", async () => {
            const r = await runCli(["--username", "u", "--password", "good-password", "--timeout", "5"], { ...process.env, PATH: `${bin}:${process.env.PATH}` });
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, new RegExp(`^ok: mqtt://127\\.0\\.0\\.1:${broker.port} round trip`));
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
});
