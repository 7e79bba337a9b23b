/**
 * The open-file limit probe against a local server on a unix socket that answers as the Docker
 * Engine API does (create 201, start 204 or runc's 500, delete 204). A stand-in, not Docker: the
 * e2e tier runs the probe against a real daemon.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { dockerSocketPath, probeNofileLimit } from "../lib/docker/engine";

const runcRefusal =
    "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error setting rlimit type 7: operation not permitted: unknown";

async function withFakeEngine(daemonLimit: number, run: (socket: string, requests: string[]) => Promise<void>): Promise<void> {
    const dir = mkdtempSync(path.join(tmpdir(), "fake-docker-"));
    const socket = path.join(dir, "docker.sock");
    const requests: string[] = [];
    let asked = 0;
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (chunk) => (body += chunk));
        req.on("end", () => {
            requests.push(`${req.method} ${req.url}`);
            if (req.url === "/containers/create") {
                asked = JSON.parse(body).HostConfig.Ulimits[0].Hard;
                res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ Id: "probe1", Warnings: [] }));
            } else if (req.url === "/containers/probe1/start") {
                if (asked <= daemonLimit) res.writeHead(204).end();
                else res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ message: runcRefusal }));
            } else {
                res.writeHead(204).end();
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
        await run(socket, requests);
    } finally {
        await new Promise((resolve) => server.close(resolve));
        rmSync(dir, { recursive: true, force: true });
    }
}

describe("open-file limit probe (stand-in Docker Engine API on a unix socket)", () => {
    it("reports a limit the daemon grants, and removes its probe container", async () => {
        await withFakeEngine(20_000, async (socket, requests) => {
            assert.deepEqual(await probeNofileLimit(socket, "sha256:abc", 16_384, { "com.pulumi.stack": "prod" }), { granted: true, detail: "" });
            assert.deepEqual(requests, ["POST /containers/create", "POST /containers/probe1/start", "DELETE /containers/probe1?force=true&v=true"]);
        });
    });

    it("reports runc's refusal of a limit above the daemon's own, and still removes the probe", async () => {
        await withFakeEngine(20_000, async (socket, requests) => {
            assert.deepEqual(await probeNofileLimit(socket, "sha256:abc", 1_048_576, {}), { granted: false, detail: runcRefusal });
            assert.equal(requests.at(-1), "DELETE /containers/probe1?force=true&v=true");
        });
    });

    it("finds the daemon where the docker provider does: DOCKER_HOST's unix socket, else Docker's default", () => {
        assert.equal(dockerSocketPath(undefined), "/var/run/docker.sock");
        assert.equal(dockerSocketPath("unix:///run/user/1000/docker.sock"), "/run/user/1000/docker.sock");
        assert.equal(dockerSocketPath("tcp://10.0.0.5:2376"), undefined);
    });
});
