/**
 * The post-deploy proof as `pulumi up` runs it (a before hook of the check's Stash calls exactly
 * this), against real brokers: mosquitto anonymous, and with a password file and a TLS listener;
 * the dashboard part against a stand-in answering as EMQX's API does.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type PostDeployCheckInputs, runPostDeployCheck } from "../lib/check/postDeploy";
import { type FakeEmqxApi, startFakeEmqxApi } from "./brokers/emqxApi";
import { type Mosquitto, startMosquitto } from "./brokers/mosquitto";
import { freePort } from "./brokers/ports";

describe("post-deploy check against an anonymous broker (dev)", () => {
    let broker: Mosquitto;
    let api: FakeEmqxApi;
    let inputs: PostDeployCheckInputs;
    before(async () => {
        broker = await startMosquitto();
        api = await startFakeEmqxApi({ username: "admin", password: "long-enough-pw" });
        inputs = { url: `mqtt://127.0.0.1:${broker.port}`, timeoutSeconds: 5, refuseAnonymous: false, dashboardUrl: api.url, dashboardUsername: "admin", dashboardPassword: "long-enough-pw", containerName: "ai4e_emqx" };
    });
    after(async () => {
        await broker?.stop();
        await api?.stop();
    });

    it("proves a round trip and the dashboard login, and says so in one line", async () => {
        const line = await runPostDeployCheck(inputs);
        assert.match(line, new RegExp(`^post-deploy check passed: mqtt://127\\.0\\.0\\.1:${broker.port} round trip [0-9.]+ ms, dashboard login accepted$`));
        assert.deepEqual(api.requests.slice(-2), ["GET /status", "POST /api/v5/login"]);
    });

    it("fails with the dashboard's reason when it refuses the configured password", async () => {
        await assert.rejects(runPostDeployCheck({ ...inputs, dashboardPassword: "stale" }), /^Error: post-deploy dashboard check failed: dashboard login as admin was refused \(HTTP 401\)/);
    });

    it("fails with the MQTT check's reason when nothing listens", async () => {
        const port = await freePort();
        await assert.rejects(runPostDeployCheck({ ...inputs, url: `mqtt://127.0.0.1:${port}`, timeoutSeconds: 1 }), {
            message: `post-deploy MQTT check of mqtt://127.0.0.1:${port} failed: could not connect to 127.0.0.1:${port} within 1 s, last error ECONNREFUSED`,
        });
    });

    it("fails when a broker that should have accounts lets anonymous clients in", async () => {
        await assert.rejects(runPostDeployCheck({ ...inputs, refuseAnonymous: true }), {
            message: `post-deploy anonymous-client check of ${inputs.url} failed: an anonymous client was let in at ${inputs.url}; the broker does not require credentials`,
        });
    });
});

describe("post-deploy check with accounts and TLS (mosquitto with a password file and a TLS listener)", () => {
    let broker: Mosquitto;
    let api: FakeEmqxApi;
    let inputs: PostDeployCheckInputs;
    before(async () => {
        broker = await startMosquitto({ users: { sensor: "sensor-password-1" }, tls: true });
        api = await startFakeEmqxApi({ username: "admin", password: "long-enough-pw" });
        inputs = {
            url: `mqtt://127.0.0.1:${broker.port}`,
            username: "sensor",
            password: "sensor-password-1",
            refuseAnonymous: true,
            tlsUrl: `mqtts://127.0.0.1:${broker.tlsPort}`,
            tlsCa: broker.pki!.ca,
            tlsServerName: "localhost",
            timeoutSeconds: 5,
            dashboardUrl: api.url,
            dashboardUsername: "admin",
            dashboardPassword: "long-enough-pw",
            containerName: "ai4e_emqx",
        };
    });
    after(async () => {
        await broker?.stop();
        await api?.stop();
    });

    it("proves a round trip as the account, the refusal of an anonymous client, and a round trip over TLS", async () => {
        const line = await runPostDeployCheck(inputs);
        assert.match(line, /round trip [0-9.]+ ms as sensor, anonymous client refused, mqtts:\/\/127\.0\.0\.1:\d+ round trip [0-9.]+ ms, certificate verified, dashboard login accepted$/);
    });

    it("fails when the certificate does not chain to the configured CA", async () => {
        await assert.rejects(runPostDeployCheck({ ...inputs, tlsCa: broker.pki!.otherCa }), (err: Error) => {
            assert.match(err.message, new RegExp(`^post-deploy MQTT check of mqtts://127\\.0\\.0\\.1:${broker.tlsPort} failed: TLS handshake with 127\\.0\\.0\\.1:${broker.tlsPort} failed: `));
            return true;
        });
    });

    it("fails on a wrong account password without printing it", async () => {
        await assert.rejects(runPostDeployCheck({ ...inputs, password: "wrong-password-9" }), (err: Error) => {
            assert.equal(err.message, `post-deploy MQTT check of ${inputs.url} failed: broker refused the connection: not authorized (code 5)`);
            return true;
        });
    });
});

describe("cluster check (stand-in API listing the nodes, mosquitto as every node)", () => {
    it("names the node that is not running, after waiting the timeout", async () => {
        const api = await startFakeEmqxApi({ username: "admin", password: "long-enough-pw" }, { nodes: { "emqx@a.x": "running", "emqx@b.x": "stopped" } });
        const broker = await startMosquitto();
        try {
            const url = `mqtt://127.0.0.1:${broker.port}`;
            const inputs: PostDeployCheckInputs = {
                url, timeoutSeconds: 1, refuseAnonymous: false, dashboardUrl: api.url, dashboardUsername: "admin", dashboardPassword: "long-enough-pw", containerName: "ai4e_emqx",
                cluster: [{ nodeName: "emqx@a.x", mqttUrl: url }, { nodeName: "emqx@b.x", mqttUrl: url }],
            };
            await assert.rejects(runPostDeployCheck(inputs), { message: "post-deploy cluster check failed: emqx@b.x not running in the cluster after 1 s (running: emqx@a.x)" });
        } finally {
            await broker.stop();
            await api.stop();
        }
    });

    it("passes when every node runs and messages cross (one mosquitto standing in for both nodes)", async () => {
        const api = await startFakeEmqxApi({ username: "admin", password: "long-enough-pw" }, { nodes: { "emqx@a.x": "running", "emqx@b.x": "running" } });
        const broker = await startMosquitto();
        try {
            const url = `mqtt://127.0.0.1:${broker.port}`;
            const line = await runPostDeployCheck({
                url, timeoutSeconds: 5, refuseAnonymous: false, dashboardUrl: api.url, dashboardUsername: "admin", dashboardPassword: "long-enough-pw", containerName: "ai4e_emqx",
                cluster: [{ nodeName: "emqx@a.x", mqttUrl: url }, { nodeName: "emqx@b.x", mqttUrl: url }],
            });
            assert.match(line, /, 2 nodes running, messages cross between emqx@a\.x and every other node$/);
        } finally {
            await broker.stop();
            await api.stop();
        }
    });
});
