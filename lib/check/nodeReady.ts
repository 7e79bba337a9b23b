/**
 * A cluster node's readiness between rolling steps: a changed node's API says "is running" and its
 * MQTT listener answers a CONNECT, before the next node is replaced. Plain TypeScript, no Pulumi.
 */
import { emqxApi, waitUntilRunning } from "../emqx/api";
import { waitUntilListening } from "./mqtt";

/** Which node, where it serves, and how long to wait for it. */
export interface NodeEndpoints {
    /** Its EMQX node name, which a failure names. */
    nodeName: string;
    mqttUrl: string;
    dashboardUrl: string;
    timeoutSeconds: number;
}

/**
 * Resolves once a changed node serves again; at once for a new node (`previous` undefined): a
 * first deploy starts every node together and the post-deploy check proves them all, while a change
 * rolls one node at a time. Throws one line naming the node and what did not answer by the deadline.
 */
export async function nodeServesAgain(node: NodeEndpoints, previous: NodeEndpoints | undefined): Promise<void> {
    if (previous === undefined) return;
    const timeoutMs = node.timeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    try {
        await waitUntilRunning(emqxApi(node.dashboardUrl, deadline), timeoutMs);
        await waitUntilListening(node.mqttUrl, Math.max(0, deadline - Date.now()));
    } catch (err) {
        throw new Error(`${node.nodeName} does not serve again: ${(err as Error).message}`);
    }
}
