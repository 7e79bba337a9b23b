/**
 * The probe of what the broker's container will ask for (open files, host ports) against a local
 * server on a unix socket that answers as the Docker Engine API does (create 201, start 204, or 500
 * with runc's or the port allocator's words, delete 204). A stand-in, not Docker: the e2e tier runs
 * the probe against a real daemon.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { dockerSocketPath, probeContainer, refusalMessage } from "../lib/docker/engine";

const runcRefusal =
    "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error setting rlimit type 7: operation not permitted: unknown";

/** Docker's two answers for a taken host port: held by another container, or by another process. */
const byContainer = (port: number) => `driver failed programming external connectivity on endpoint x (abc): Bind for 0.0.0.0:${port} failed: port is already allocated`;
const byProcess = (port: number) =>
    `driver failed programming external connectivity on endpoint x (abc): Error starting userland proxy: listen tcp4 0.0.0.0:${port}: bind: address already in use`;

async function withFakeEngine(
    daemonLimit: number,
    run: (socket: string, requests: string[], bodies: any[]) => Promise<void>,
    taken: { port: number; answer: (port: number) => string } = { port: 0, answer: byContainer },
): Promise<void> {
    const dir = mkdtempSync(path.join(tmpdir(), "fake-docker-"));
    const socket = path.join(dir, "docker.sock");
    const requests: string[] = [];
    const bodies: any[] = [];
    let asked = 0;
    let ports: string[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (chunk) => (body += chunk));
        req.on("end", () => {
            requests.push(`${req.method} ${req.url}`);
            if (req.url === "/containers/create") {
                bodies.push(JSON.parse(body));
                asked = JSON.parse(body).HostConfig.Ulimits[0]?.Hard ?? 0;
                ports = Object.values(JSON.parse(body).HostConfig.PortBindings as Record<string, { HostPort: string }[]>).map((b) => b[0].HostPort);
                res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ Id: "probe1", Warnings: [] }));
            } else if (req.url === "/containers/probe1/start") {
                const refusal = asked > daemonLimit ? runcRefusal : ports.includes(String(taken.port)) ? taken.answer(taken.port) : undefined;
                if (!refusal) res.writeHead(204).end();
                else res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ message: refusal }));
            } else {
                res.writeHead(204).end();
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
        await run(socket, requests, bodies);
    } finally {
        await new Promise((resolve) => server.close(resolve));
        rmSync(dir, { recursive: true, force: true });
    }
}

const brokerPorts = [
    { containerPort: 1883, hostPort: 1883, hostIp: "0.0.0.0" },
    { containerPort: 18083, hostPort: 18083, hostIp: "127.0.0.1" },
];
const configured = [
    { key: "mqttPort", hostPort: 1883, node: 1 },
    { key: "dashboardPort", hostPort: 18083, node: 1 },
];

describe("probe of the broker's grants (stand-in Docker Engine API on a unix socket)", () => {
    it("reports an open-file limit and host ports the daemon grants, asking as the broker will, and removes its probe container", async () => {
        await withFakeEngine(20_000, async (socket, requests, bodies) => {
            const result = await probeContainer(socket, { image: "sha256:abc", labels: { "com.pulumi.stack": "prod" }, nofile: 16_384, ports: brokerPorts, network: "ai4e_net" });
            assert.deepEqual(result, { granted: true });
            assert.deepEqual(requests, ["POST /containers/create", "POST /containers/probe1/start", "DELETE /containers/probe1?force=true&v=true"]);
            assert.deepEqual(bodies[0].HostConfig, {
                Ulimits: [{ Name: "nofile", Soft: 16_384, Hard: 16_384 }],
                PortBindings: { "1883/tcp": [{ HostIp: "0.0.0.0", HostPort: "1883" }], "18083/tcp": [{ HostIp: "127.0.0.1", HostPort: "18083" }] },
                NetworkMode: "ai4e_net",
            });
        });
    });

    it("reports runc's refusal of a limit above the daemon's own, and still removes the probe", async () => {
        await withFakeEngine(20_000, async (socket, requests) => {
            const result = await probeContainer(socket, { image: "sha256:abc", labels: {}, nofile: 1_048_576 });
            assert.deepEqual(result, { granted: false, refused: "nofile", detail: runcRefusal });
            assert.equal(requests.at(-1), "DELETE /containers/probe1?force=true&v=true");
            assert.match(refusalMessage(result as Exclude<typeof result, { granted: true }>, 1_048_576, configured), /^emqx:nofileLimit is 1048576, more open files than the Docker daemon may give a container here/);
        });
    });

    for (const [holder, answer] of [["another container", byContainer], ["another process", byProcess]] as const) {
        it(`names the key of a host port that ${holder} holds, in one line`, async () => {
            await withFakeEngine(
                20_000,
                async (socket, requests) => {
                    const result = await probeContainer(socket, { image: "sha256:abc", labels: {}, ports: brokerPorts, network: "ai4e_net" });
                    assert.equal(requests.at(-1), "DELETE /containers/probe1?force=true&v=true");
                    assert.ok(!result.granted && result.refused === "port" && result.hostPort === 18083);
                    const message = refusalMessage(result as Exclude<typeof result, { granted: true }>, undefined, configured);
                    assert.match(message, /^emqx:dashboardPort is 18083, which something else on the Docker host already uses; choose a free port with `pulumi config set dashboardPort <port>`, or stop what holds it \(Docker said: /);
                    assert.doesNotMatch(message, /\n/);
                },
                { port: 18083, answer },
            );
        });
    }

    it("names a cluster node's shifted port by the key that sets it", () => {
        const message = refusalMessage({ granted: false, refused: "port", detail: byProcess(11885), hostPort: 11885 }, undefined, [{ key: "mqttPort", hostPort: 11885, node: 3 }]);
        assert.match(message, /^emqx:mqttPort is 11883, so node 3 takes 11885, which something else on the Docker host already uses; choose a free port with `pulumi config set mqttPort <port>`/);
    });

    it("finds the daemon where the docker provider does: DOCKER_HOST's unix socket, else Docker's default", () => {
        assert.equal(dockerSocketPath(undefined), "/var/run/docker.sock");
        assert.equal(dockerSocketPath("unix:///run/user/1000/docker.sock"), "/run/user/1000/docker.sock");
        assert.equal(dockerSocketPath("tcp://10.0.0.5:2376"), undefined);
    });
});
