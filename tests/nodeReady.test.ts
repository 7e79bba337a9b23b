/**
 * A cluster node's readiness between rolling steps, against three stand-in EMQX APIs (one per
 * node, each with its own view of the cluster) and mosquitto as every node's MQTT listener: the
 * next node may go down only once every node answers and lists every node as running, without a
 * break for the settle time.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ClusterMemberEndpoints, type NodeReadiness, nodeServesAgain } from "../lib/check/nodeReady";
import { ensureDashboardPassword } from "../lib/emqx/dashboardPassword";
import { startFakeEmqxApi } from "./brokers/emqxApi";
import { type Mosquitto, startMosquitto } from "./brokers/mosquitto";
import { startSilentGate } from "./brokers/silentGate";

const admin = { username: "admin", password: "dashboard-pw-1" };
const names = ["emqx@n1.x", "emqx@n2.x", "emqx@n3.x"];
const whole = Object.fromEntries(names.map((n) => [n, "running"]));
const withoutNode2 = { ...whole, "emqx@n2.x": "stopped" };
const timing = { settleMs: 600, pauseMs: 50 };
/** A wait meant to fail: long enough for a whole round (every node's login, view and CONNACK) on a busy machine. */
const shortTimeoutSeconds = 5;

const later = (ms: number, what: () => void) => new Promise<void>((resolve) => setTimeout(() => (what(), resolve()), ms));

/** Three stand-in APIs, one per node, each listing the cluster as `views` says; every node's MQTT on `broker`. */
async function startCluster(broker: Mosquitto, views: Record<string, string>[]) {
    const apis = await Promise.all(views.map((nodes) => startFakeEmqxApi(admin, { nodes })));
    const cluster: ClusterMemberEndpoints[] = names.map((nodeName, i) => ({ nodeName, mqttUrl: `mqtt://127.0.0.1:${broker.port}`, dashboardUrl: apis[i].url }));
    const node2 = (overrides: Partial<NodeReadiness> = {}): NodeReadiness => ({
        ...cluster[1],
        timeoutSeconds: 20,
        dashboardUsername: admin.username,
        dashboardPasswords: [admin.password],
        ...overrides,
    });
    return { apis, cluster, node2, stop: () => Promise.all(apis.map((api) => api.stop())) };
}

// Each case has a cluster of its own, so they run side by side.
describe("a cluster node between rolling steps", { concurrency: true }, () => {
    let broker: Mosquitto;
    before(async () => {
        broker = await startMosquitto();
    });
    after(() => broker.stop());

    it("a new node is not waited for: a first deploy starts every node together", async () => {
        const gate = await startSilentGate(broker.port);
        try {
            const silent = { nodeName: "emqx@n2.x", mqttUrl: `mqtt://127.0.0.1:${gate.port}`, dashboardUrl: `http://127.0.0.1:${gate.port}` };
            await nodeServesAgain({ ...silent, timeoutSeconds: 600, dashboardUsername: "admin", dashboardPasswords: [] }, undefined, [silent], timing);
            assert.equal(gate.held(), 0, "nothing was dialled");
        } finally {
            await gate.stop();
        }
    });

    it("waits until every node's API lists the changed node as running, and then for the settle time", async () => {
        const { apis, cluster, node2, stop } = await startCluster(broker, [withoutNode2, { "emqx@n2.x": "running" }, withoutNode2]);
        try {
            let wholeAt = 0;
            const rejoin = later(400, () => {
                apis[1].setNodes(whole);
                apis[0].setNodes(whole);
            }).then(() => later(400, () => (apis[2].setNodes(whole), (wholeAt = performance.now()))));
            await nodeServesAgain(node2(), node2(), cluster, timing);
            const passedAt = performance.now();
            await rejoin;
            assert.ok(wholeAt > 0, "it passed only after node 3 listed node 2 as running");
            assert.ok(passedAt - wholeAt >= timing.settleMs - 1, `passed ${(passedAt - wholeAt).toFixed(0)} ms after the cluster was whole`);
            for (const api of apis) assert.ok(api.requests.includes("GET /api/v5/nodes"), "every node's view was asked for");
        } finally {
            await stop();
        }
    });

    it("starts the settle time again when a node drops out of a view meanwhile", async () => {
        const { apis, cluster, node2, stop } = await startCluster(broker, [whole, whole, whole]);
        try {
            let backAt = 0;
            const flap = later(300, () => apis[0].setNodes(withoutNode2)).then(() => later(300, () => (apis[0].setNodes(whole), (backAt = performance.now()))));
            await nodeServesAgain(node2(), node2(), cluster, timing);
            const passedAt = performance.now();
            await flap;
            assert.ok(passedAt - backAt >= timing.settleMs - 1, `passed ${(passedAt - backAt).toFixed(0)} ms after node 1 listed node 2 again`);
        } finally {
            await stop();
        }
    });

    it("fails at the deadline naming the node and the view that lacks it", async () => {
        const { cluster, node2, stop } = await startCluster(broker, [whole, whole, withoutNode2]);
        try {
            await assert.rejects(nodeServesAgain(node2({ timeoutSeconds: shortTimeoutSeconds }), node2(), cluster, timing), {
                message: "emqx@n2.x does not serve again: emqx@n3.x's API lists emqx@n2.x as stopped",
            });
        } finally {
            await stop();
        }
    });

    it("reports what kept the cluster from serving whole, not the last round the deadline cut short", async () => {
        const { cluster, node2, stop } = await startCluster(broker, [whole, whole, withoutNode2]);
        try {
            // Back-to-back rounds, so the last ones start with next to no time left before the deadline.
            const waits = Array.from({ length: 5 }, () => nodeServesAgain(node2({ timeoutSeconds: shortTimeoutSeconds }), node2(), cluster, { settleMs: 600, pauseMs: 0 }).catch((err: Error) => err.message));
            for (const message of await Promise.all(waits)) assert.equal(message, "emqx@n2.x does not serve again: emqx@n3.x's API lists emqx@n2.x as stopped");
        } finally {
            await stop();
        }
    });

    it("says so when a node of the cluster does not answer MQTT", async () => {
        const { cluster, node2, stop } = await startCluster(broker, [whole, whole, whole]);
        try {
            const silentNode3 = cluster.map((m, i) => (i === 2 ? { ...m, mqttUrl: "mqtt://127.0.0.1:1" } : m));
            await assert.rejects(nodeServesAgain(node2({ timeoutSeconds: shortTimeoutSeconds }), node2(), silentNode3, timing), /^Error: emqx@n2\.x does not serve again: emqx@n3\.x: 127\.0\.0\.1:1 gave no CONNACK within [0-9.]+ s, last error ECONNREFUSED$/);
        } finally {
            await stop();
        }
    });

    it("logs in with the password deployed before, and again after this deploy changes it", async () => {
        const { apis, cluster, node2, stop } = await startCluster(broker, [whole, whole, whole]);
        try {
            const configured = "dashboard-pw-2";
            const changed = later(300, () => undefined).then(() =>
                Promise.all(apis.map((api) => ensureDashboardPassword({ url: api.url, username: "admin", password: configured, earlierPasswords: [admin.password], containerName: "x", timeoutMs: 5000 }))),
            );
            await nodeServesAgain(node2({ dashboardPasswords: [configured] }), node2(), cluster, { ...timing, settleMs: 900 });
            await changed;
            assert.deepEqual(apis.map((api) => api.adminPassword()), [configured, configured, configured]);
            const logins = apis[0].requests.filter((r) => r === "POST /api/v5/login").length;
            assert.ok(logins >= 2, `${logins} logins on node 1: the revoked token was replaced`);
        } finally {
            await stop();
        }
    });
});
