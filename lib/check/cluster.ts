/**
 * Proof that N EMQX nodes are one cluster: every node reports all N running (`GET /api/v5/nodes`),
 * and a QoS 1 message published on node 1 reaches a subscriber on every other node, and back.
 * Failures name the node. Plain TypeScript, no Pulumi.
 */
import { randomBytes } from "node:crypto";
import type mqtt from "mqtt";
import { emqxApi, nodeStatuses } from "../emqx/api";
import { closeQuietly, connectClient } from "./mqtt";

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
    /** A topic the account may publish and subscribe to, when authorization allows only some. */
    topic?: string;
    /** Overall deadline in ms. */
    timeoutMs: number;
}

/** How often a message is published again while the cluster's routes settle. */
const republishMs = 200;

/** Resolves once node 1's API lists every node as running; throws one line naming the missing ones at the deadline. */
async function waitForNodes(options: ClusterCheckOptions, deadline: number): Promise<void> {
    let running = new Set<string>();
    const missing = () => options.nodes.filter((n) => !running.has(n.nodeName)).map((n) => n.nodeName);
    const allRunning = ({ status, text }: { status: number; text: string }) => {
        if (status !== 200) return `HTTP ${status}`;
        running = new Set([...nodeStatuses(text)].filter(([, nodeStatus]) => nodeStatus === "running").map(([node]) => node));
        return missing().length > 0 ? "not all running" : undefined;
    };
    await emqxApi(options.dashboardUrl, deadline)
        .request("GET", "/api/v5/nodes", { token: options.token, retryUnless: allRunning })
        .catch((err: Error) => {
            const lastAnswer = err.message === "not all running" ? "" : `, last answer ${err.message}`;
            throw new Error(`${missing().join(", ")} not running in the cluster after ${options.timeoutMs / 1000} s (running: ${[...running].join(", ") || "none"}${lastAnswer})`);
        });
}

/** Waits for `promise` until `deadline`, then throws `what` timed out. */
function beforeDeadline<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined = undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out`)), Math.max(0, deadline - Date.now()))));
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Resolves once a message published at `from` arrives at a subscriber on `to`, publishing again while routes settle. */
async function deliver(from: ClusterMember, to: ClusterMember, options: ClusterCheckOptions, deadline: number): Promise<void> {
    const account = { username: options.username, password: options.password };
    const clients: mqtt.MqttClient[] = [];
    let timer: NodeJS.Timeout | undefined = undefined;
    try {
        const connect = (node: ClusterMember) =>
            connectClient(node.mqttUrl, account, deadline).then(
                (client) => (clients.push(client), client),
                (err: Error) => Promise.reject(new Error(`${node.nodeName}: ${err.message}`)),
            );
        const subscriber = await connect(to);
        const publisher = await connect(from);
        const topic = options.topic ?? `emqx-check/cluster/${randomBytes(6).toString("hex")}`;
        const nonce = randomBytes(12).toString("hex");
        const arrived = new Promise<void>((resolve) => subscriber.on("message", (t, payload) => t === topic && payload.toString() === nonce && resolve()));
        await beforeDeadline(subscriber.subscribeAsync(topic, { qos: 1 }), deadline, `subscribing on ${to.nodeName}`);
        for (let sent = 0; sent < 10_000 && Date.now() < deadline; sent++) {
            publisher.publish(topic, nonce, { qos: 1 });
            const wait = Math.min(republishMs, Math.max(0, deadline - Date.now()));
            if (await Promise.race([arrived.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), wait)))])) return;
            clearTimeout(timer);
        }
        throw new Error(`a message published on ${from.nodeName} did not reach a subscriber on ${to.nodeName} within ${options.timeoutMs / 1000} s`);
    } finally {
        clearTimeout(timer);
        clients.forEach(closeQuietly);
    }
}

/** Resolves to one line saying what was proven; throws one line naming the node that is missing or silent. */
export async function checkCluster(options: ClusterCheckOptions): Promise<string> {
    const deadline = Date.now() + options.timeoutMs;
    await waitForNodes(options, deadline);
    const [first, ...others] = options.nodes;
    for (const node of others) {
        await deliver(first, node, options, deadline);
        await deliver(node, first, options, deadline);
    }
    return `${options.nodes.length} nodes running, messages cross between ${first.nodeName} and every other node`;
}
