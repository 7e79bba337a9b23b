/**
 * Every wait for the broker survives a port that accepts connections and answers none (Docker's
 * published port while EMQX boots), then starts answering: each passes within a fraction of a
 * second of the first answer, whatever its earlier requests are stuck on. Real servers behind a
 * silent front (tests/brokers/silentGate) or a fake EMQX API that takes requests and holds them.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { checkCluster } from "../lib/check/cluster";
import { checkDashboard } from "../lib/check/dashboard";
import { checkAnonymousRefused, checkMqtt, waitUntilListening } from "../lib/check/mqtt";
import { nodeServesAgain } from "../lib/check/nodeReady";
import { syncMqttUsers } from "../lib/emqx/accounts";
import { emqxApi, requestToken, waitUntilRunning } from "../lib/emqx/api";
import { ensureDashboardPassword } from "../lib/emqx/dashboardPassword";
import { type FakeEmqxApi, startFakeEmqxApi } from "./brokers/emqxApi";
import { type Mosquitto, startMosquitto } from "./brokers/mosquitto";
import { openAfter, type SilentGate, startSilentGate } from "./brokers/silentGate";

const admin = { username: "admin", password: "long-enough-pw" };
/** Long enough that an old-style wait (one request given the whole deadline) would still be stuck. */
const silentMs = 1200;
/** "A fraction of a second" after the first answer. */
const promptMs = 500;
const timeoutMs = 20_000;

/** Runs `wait`, opens the way after `silentMs`, and returns how long after the opening the wait ended. */
async function lagAfterOpening(wait: () => Promise<unknown>, open: () => Promise<number>): Promise<number> {
    const opened = open();
    await wait();
    const ended = Date.now();
    return ended - (await opened);
}

function speakAfter(api: FakeEmqxApi, ms: number): () => Promise<number> {
    return () => new Promise((resolve) => setTimeout(() => (api.speak(), resolve(Date.now())), ms));
}

describe("REST API waits behind a port that answers nothing, then answers", () => {
    let api: FakeEmqxApi;
    let gate: SilentGate;
    before(async () => {
        api = await startFakeEmqxApi(admin, { nodes: { "emqx@node1.x": "running" } });
    });
    after(() => api.stop());

    for (const [name, wait] of [
        ["GET /status until running", (url: string) => waitUntilRunning(emqxApi(url, Date.now() + timeoutMs), timeoutMs)],
        ["the dashboard check: /status, then login", (url: string) => checkDashboard({ url, ...admin, containerName: "x", timeoutMs })],
    ] as const) {
        it(`${name}: passes within ${promptMs} ms of the first answer, having abandoned requests that hung`, async () => {
            gate = await startSilentGate(Number(new URL(api.url).port));
            try {
                const lag = await lagAfterOpening(() => wait(`http://127.0.0.1:${gate.port}`), () => openAfter(gate, silentMs));
                assert.ok(lag < promptMs, `passed ${lag} ms after the port started answering`);
                assert.ok(gate.held() >= 3, `only ${gate.held()} requests sent while nothing answered`);
            } finally {
                await gate.stop();
            }
        });
    }
});

describe("REST API calls whose request is taken and never answered, then answered", () => {
    it("login (POST /api/v5/login)", async () => {
        const api = await startFakeEmqxApi(admin, { silence: /^POST \/api\/v5\/login/ });
        try {
            let token: string | undefined;
            const lag = await lagAfterOpening(async () => (token = await requestToken(emqxApi(api.url, Date.now() + timeoutMs), admin.username, admin.password)), speakAfter(api, silentMs));
            assert.ok(token);
            assert.ok(lag < promptMs, `lag ${lag} ms`);
        } finally {
            await api.stop();
        }
    });

    it("the dashboard password change (POST /api/v5/users/admin/change_pwd)", async () => {
        const api = await startFakeEmqxApi({ username: "admin", password: "old-password-1" }, { silence: /change_pwd$/ });
        try {
            const options = { url: api.url, username: "admin", password: "new-password-2", earlierPasswords: ["old-password-1"], containerName: "x", timeoutMs };
            const lag = await lagAfterOpening(() => ensureDashboardPassword(options), speakAfter(api, silentMs));
            assert.equal(api.adminPassword(), "new-password-2");
            assert.ok(lag < promptMs, `lag ${lag} ms`);
        } finally {
            await api.stop();
        }
    });

    it("the MQTT accounts (the built-in database's users API)", async () => {
        const api = await startFakeEmqxApi(admin, { silence: /^POST \/api\/v5\/authentication/ });
        try {
            const access = emqxApi(api.url, Date.now() + timeoutMs);
            const token = (await requestToken(access, admin.username, admin.password))!;
            const lag = await lagAfterOpening(() => syncMqttUsers({ api: access, token, users: [{ username: "sensor", password: "sensor-password" }] }), speakAfter(api, silentMs));
            assert.equal(api.users.get("sensor"), "sensor-password");
            assert.ok(lag < promptMs, `lag ${lag} ms`);
        } finally {
            await api.stop();
        }
    });

    it("the cluster's node list (GET /api/v5/nodes)", async () => {
        const api = await startFakeEmqxApi(admin, { nodes: { "emqx@node1.x": "running" }, silence: /^GET \/api\/v5\/nodes/ });
        try {
            const token = (await requestToken(emqxApi(api.url, Date.now() + timeoutMs), admin.username, admin.password))!;
            const nodes = [{ nodeName: "emqx@node1.x", mqttUrl: "mqtt://127.0.0.1:1" }];
            const lag = await lagAfterOpening(() => checkCluster({ dashboardUrl: api.url, token, nodes, timeoutMs }), speakAfter(api, silentMs));
            assert.ok(lag < promptMs, `lag ${lag} ms`);
        } finally {
            await api.stop();
        }
    });
});

describe("MQTT waits behind a port that answers nothing, then answers", () => {
    let open: Mosquitto;
    let secured: Mosquitto;
    before(async () => {
        open = await startMosquitto();
        secured = await startMosquitto({ users: { app: "app-password-1" } });
    });
    after(async () => {
        await open.stop();
        await secured.stop();
    });

    const cases = [
        ["the post-deploy round trip", () => open, (url: string) => checkMqtt({ url, timeoutMs })],
        ["a cluster node's readiness (a CONNACK)", () => open, (url: string) => waitUntilListening(url, timeoutMs)],
        ["the anonymous client's refusal", () => secured, (url: string) => checkAnonymousRefused({ url }, timeoutMs)],
    ] as const;
    for (const [name, broker, wait] of cases) {
        it(`${name}: passes within ${promptMs} ms of the first answer`, async () => {
            const gate = await startSilentGate(broker().port);
            try {
                const lag = await lagAfterOpening(() => wait(`mqtt://127.0.0.1:${gate.port}`), () => openAfter(gate, silentMs));
                assert.ok(lag < promptMs, `passed ${lag} ms after the port started answering`);
                assert.ok(gate.held() >= 3, `only ${gate.held()} attempts while nothing answered`);
            } finally {
                await gate.stop();
            }
        });
    }

    it("the cluster's cross-node delivery, to a node behind such a port", async () => {
        const api = await startFakeEmqxApi(admin, { nodes: { "emqx@node1.x": "running", "emqx@node2.x": "running" } });
        const gate = await startSilentGate(open.port);
        try {
            const token = (await requestToken(emqxApi(api.url, Date.now() + timeoutMs), admin.username, admin.password))!;
            const nodes = [
                { nodeName: "emqx@node1.x", mqttUrl: `mqtt://127.0.0.1:${open.port}` },
                { nodeName: "emqx@node2.x", mqttUrl: `mqtt://127.0.0.1:${gate.port}` },
            ];
            const lag = await lagAfterOpening(() => checkCluster({ dashboardUrl: api.url, token, nodes, timeoutMs }), () => openAfter(gate, silentMs));
            assert.ok(lag < promptMs, `lag ${lag} ms`);
        } finally {
            await gate.stop();
            await api.stop();
        }
    });
});

describe("a cluster node between rolling steps", () => {
    it("a new node is not waited for: a first deploy starts every node together", async () => {
        const started = Date.now();
        await nodeServesAgain({ nodeName: "emqx@node2.x", mqttUrl: "mqtt://127.0.0.1:1", dashboardUrl: "http://127.0.0.1:1", timeoutSeconds: 30 }, undefined);
        assert.ok(Date.now() - started < 50);
    });

    it("a changed node is waited for until its API and MQTT listener answer, behind ports that answered nothing first", async () => {
        const api = await startFakeEmqxApi(admin);
        const broker = await startMosquitto();
        const apiGate = await startSilentGate(Number(new URL(api.url).port));
        const mqttGate = await startSilentGate(broker.port);
        try {
            const node = { nodeName: "emqx@node2.x", mqttUrl: `mqtt://127.0.0.1:${mqttGate.port}`, dashboardUrl: `http://127.0.0.1:${apiGate.port}`, timeoutSeconds: 20 };
            const open = async () => (mqttGate.open(), openAfter(apiGate, silentMs));
            const lag = await lagAfterOpening(() => nodeServesAgain(node, node), open);
            assert.ok(lag >= 0 && lag < promptMs, `lag ${lag} ms`);
            assert.ok(apiGate.held() >= 3);
            await assert.rejects(nodeServesAgain({ ...node, dashboardUrl: api.url, mqttUrl: "mqtt://127.0.0.1:1", timeoutSeconds: 1 }, node), /^Error: emqx@node2\.x does not serve again: 127\.0\.0\.1:1 gave no CONNACK within 1 s, last error ECONNREFUSED$/);
        } finally {
            await Promise.all([apiGate.stop(), mqttGate.stop(), api.stop(), broker.stop()]);
        }
    });
});
