/**
 * Every wait for the broker survives a port that accepts connections and answers none (Docker's
 * published port while EMQX boots), then starts answering: the request that gets the first answer
 * was sent beside the silent ones, not after they timed out, so the wait notices a ready broker at
 * once (how soon is measured by `npm run bench:check`, not asserted here). Real servers behind a
 * silent front (tests/brokers/silentGate) or a fake EMQX API that takes requests and holds them.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { checkCluster } from "../lib/check/cluster";
import { checkDashboard } from "../lib/check/dashboard";
import { checkAnonymousRefused, checkMqtt, waitUntilListening } from "../lib/check/mqtt";
import { syncMqttUsers } from "../lib/emqx/accounts";
import { emqxApi, requestToken, waitUntilRunning } from "../lib/emqx/api";
import { ensureDashboardPassword } from "../lib/emqx/dashboardPassword";
import { type FakeEmqxApi, startFakeEmqxApi } from "./brokers/emqxApi";
import { type Mosquitto, startMosquitto } from "./brokers/mosquitto";
import { openAfter, startSilentGate } from "./brokers/silentGate";

const admin = { username: "admin", password: "long-enough-pw" };
/** Long enough for several attempts to hang, shorter than one attempt's 3 s cap. */
const silentMs = 1200;
const timeoutMs = 20_000;

/** Runs `wait` while `open` opens the way after `silentMs`; asserts that the first answered request was sent while earlier ones still hung. */
async function passesBesideHungAttempts(wait: () => Promise<unknown>, open: () => Promise<unknown>, heldAtFirstAnswer: () => number | undefined): Promise<void> {
    const opened = open();
    await wait();
    await opened;
    const held = heldAtFirstAnswer();
    assert.ok(held !== undefined && held >= 2, `${held} earlier requests were still waiting when the first answered one was sent`);
}

function speakAfter(api: FakeEmqxApi, ms: number): () => Promise<void> {
    return () => new Promise((resolve) => setTimeout(() => (api.speak(), resolve()), ms));
}

// Each case waits on its own port or API, so the cases of a suite run side by side.
describe("REST API waits behind a port that answers nothing, then answers", { concurrency: true }, () => {
    let api: FakeEmqxApi;
    before(async () => {
        api = await startFakeEmqxApi(admin, { nodes: { "emqx@node1.x": "running" } });
    });
    after(() => api.stop());

    for (const [name, wait] of [
        ["GET /status until running", (url: string) => waitUntilRunning(emqxApi(url, Date.now() + timeoutMs), timeoutMs)],
        ["the dashboard check: /status, then login", (url: string) => checkDashboard({ url, ...admin, containerName: "x", timeoutMs })],
    ] as const) {
        it(`${name}: passes through a request sent beside those that hung`, async () => {
            const gate = await startSilentGate(Number(new URL(api.url).port));
            try {
                await passesBesideHungAttempts(() => wait(`http://127.0.0.1:${gate.port}`), () => openAfter(gate, silentMs), gate.heldAtFirstAnswer);
            } finally {
                await gate.stop();
            }
        });
    }
});

describe("REST API calls whose request is taken and never answered, then answered", { concurrency: true }, () => {
    it("login (POST /api/v5/login)", async () => {
        const api = await startFakeEmqxApi(admin, { silence: /^POST \/api\/v5\/login/ });
        try {
            let token: string | undefined;
            await passesBesideHungAttempts(async () => (token = await requestToken(emqxApi(api.url, Date.now() + timeoutMs), admin.username, admin.password)), speakAfter(api, silentMs), api.heldAtFirstAnswer);
            assert.ok(token);
        } finally {
            await api.stop();
        }
    });

    it("the dashboard password change (POST /api/v5/users/admin/change_pwd)", async () => {
        const api = await startFakeEmqxApi({ username: "admin", password: "old-password-1" }, { silence: /change_pwd$/ });
        try {
            const options = { url: api.url, username: "admin", password: "new-password-2", earlierPasswords: ["old-password-1"], containerName: "x", timeoutMs };
            await passesBesideHungAttempts(() => ensureDashboardPassword(options), speakAfter(api, silentMs), api.heldAtFirstAnswer);
            assert.equal(api.adminPassword(), "new-password-2");
        } finally {
            await api.stop();
        }
    });

    it("the MQTT accounts (the built-in database's users API)", async () => {
        const api = await startFakeEmqxApi(admin, { silence: /^POST \/api\/v5\/authentication/ });
        try {
            const access = emqxApi(api.url, Date.now() + timeoutMs);
            const token = (await requestToken(access, admin.username, admin.password))!;
            await passesBesideHungAttempts(() => syncMqttUsers({ api: access, token, users: [{ username: "sensor", password: "sensor-password" }] }), speakAfter(api, silentMs), api.heldAtFirstAnswer);
            assert.equal(api.users.get("sensor"), "sensor-password");
        } finally {
            await api.stop();
        }
    });

    it("the cluster's node list (GET /api/v5/nodes)", async () => {
        const api = await startFakeEmqxApi(admin, { nodes: { "emqx@node1.x": "running" }, silence: /^GET \/api\/v5\/nodes/ });
        try {
            const token = (await requestToken(emqxApi(api.url, Date.now() + timeoutMs), admin.username, admin.password))!;
            const nodes = [{ nodeName: "emqx@node1.x", mqttUrl: "mqtt://127.0.0.1:1" }];
            await passesBesideHungAttempts(() => checkCluster({ dashboardUrl: api.url, token, nodes, timeoutMs }), speakAfter(api, silentMs), api.heldAtFirstAnswer);
        } finally {
            await api.stop();
        }
    });
});

describe("MQTT waits behind a port that answers nothing, then answers", { concurrency: true }, () => {
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
        it(`${name}: passes through an attempt made beside those that hung`, async () => {
            const gate = await startSilentGate(broker().port);
            try {
                await passesBesideHungAttempts(() => wait(`mqtt://127.0.0.1:${gate.port}`), () => openAfter(gate, silentMs), gate.heldAtFirstAnswer);
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
            await passesBesideHungAttempts(() => checkCluster({ dashboardUrl: api.url, token, nodes, timeoutMs }), () => openAfter(gate, silentMs), gate.heldAtFirstAnswer);
        } finally {
            await gate.stop();
            await api.stop();
        }
    });
});
