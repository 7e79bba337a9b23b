/**
 * Proof that N EMQX nodes are one cluster: every node reports all N running (`GET /api/v5/nodes`),
 * and a QoS 1 message published on node 1 reaches a subscriber on every other node, and back.
 * Failures name the node. Plain TypeScript, no Pulumi.
 */
import { randomBytes } from "node:crypto";
import mqtt from "mqtt";
import { fetchFailure } from "./dashboard";

/** One node as the check dials it. */
export interface ClusterMember {
    nodeName: string;
    mqttUrl: string;
}

/** Where to look and as whom. */
export interface ClusterCheckOptions {
    /** Node 1's dashboard base URL. */
    dashboardUrl: string;
    /** Bearer token from node 1's login. */
    token: string;
    /** Every node, node 1 first. */
    nodes: ClusterMember[];
    /** MQTT account, when anonymous clients are refused. */
    username?: string;
    password?: string;
    /** Overall deadline in ms. */
    timeoutMs: number;
}

const pollMs = 200;

async function runningNodes(options: ClusterCheckOptions, requestMs: number): Promise<Set<string>> {
    try {
        const response = await fetch(`${options.dashboardUrl}/api/v5/nodes`, { headers: { authorization: `Bearer ${options.token}` }, signal: AbortSignal.timeout(requestMs) });
        if (response.status !== 200) return new Set();
        const nodes = (await response.json()) as { node: string; node_status: string }[];
        return new Set(nodes.filter((n) => n.node_status === "running").map((n) => n.node));
    } catch (err) {
        throw new Error(`GET ${options.dashboardUrl}/api/v5/nodes failed: ${fetchFailure(err)}`);
    }
}

/** Resolves once a message published at `from` arrives at a subscriber on `to`, publishing again while routes settle. */
async function deliver(from: ClusterMember, to: ClusterMember, options: ClusterCheckOptions, timeoutMs: number): Promise<void> {
    const connect = (url: string) => mqtt.connectAsync(url, { username: options.username, password: options.password, reconnectPeriod: 0, connectTimeout: timeoutMs, writeCache: false }, false);
    const subscriber = await connect(to.mqttUrl);
    const publisher = await connect(from.mqttUrl).catch(async (err: Error) => {
        await subscriber.endAsync(true);
        throw err;
    });
    const topic = `emqx-check/cluster/${randomBytes(6).toString("hex")}`;
    const nonce = randomBytes(12).toString("hex");
    let timer: NodeJS.Timeout | undefined;
    try {
        const arrived = new Promise<void>((resolve) => subscriber.on("message", (t, payload) => t === topic && payload.toString() === nonce && resolve()));
        await subscriber.subscribeAsync(topic, { qos: 1 });
        const deadline = Date.now() + timeoutMs;
        for (let sent = 0; sent < 1000 && Date.now() < deadline; sent++) {
            await publisher.publishAsync(topic, nonce, { qos: 1 });
            const done = await Promise.race([arrived.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), pollMs)))]);
            clearTimeout(timer);
            if (done) return;
        }
        throw new Error(`a message published on ${from.nodeName} did not reach a subscriber on ${to.nodeName} within ${timeoutMs / 1000} s`);
    } finally {
        await Promise.all([subscriber.endAsync(true), publisher.endAsync(true)]);
    }
}

/** Resolves to one line saying what was proven; throws one line naming the node that is missing or silent. */
export async function checkCluster(options: ClusterCheckOptions): Promise<string> {
    const deadline = Date.now() + options.timeoutMs;
    const remaining = () => Math.max(1000, deadline - Date.now());
    let running = await runningNodes(options, remaining());
    for (let polls = 0; polls < 100_000 && Date.now() < deadline && options.nodes.some((n) => !running.has(n.nodeName)); polls++) {
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        running = await runningNodes(options, remaining());
    }
    const missing = options.nodes.filter((n) => !running.has(n.nodeName)).map((n) => n.nodeName);
    if (missing.length > 0) {
        throw new Error(`${missing.join(", ")} not running in the cluster after ${options.timeoutMs / 1000} s (running: ${[...running].join(", ") || "none"})`);
    }
    const [first, ...others] = options.nodes;
    for (const node of others) {
        await deliver(first, node, options, remaining());
        await deliver(node, first, options, remaining());
    }
    return `${options.nodes.length} nodes running, messages cross between ${first.nodeName} and every other node`;
}
