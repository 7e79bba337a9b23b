/**
 * A cluster node's readiness between rolling steps. A node whose API says "is running" and whose
 * MQTT listener answers may not yet be a member again as its peers see it (EMQX opens its
 * listeners while it is still joining), so the next node may go down only once the whole cluster
 * serves again: every node answers MQTT and every node's API lists every node as running, without
 * a break for `settleMs`. Plain TypeScript, no Pulumi.
 */
import { emqxApi, nodeStatuses, requestToken } from "../emqx/api";
import { waitUntilListening } from "./mqtt";

/** Where one node of the cluster serves. */
export interface ClusterMemberEndpoints {
    /** Its EMQX node name, as `GET /api/v5/nodes` lists it. */
    nodeName: string;
    mqttUrl: string;
    dashboardUrl: string;
}

/** The changed node, how long to wait for it, and the login its cluster's APIs take. */
export interface NodeReadiness extends ClusterMemberEndpoints {
    timeoutSeconds: number;
    dashboardUsername: string;
    /** Passwords the administrator may have, tried in order (the configured one, the first-boot one). */
    dashboardPasswords: string[];
}

/** How long the cluster must serve whole, without a break, and how often it is looked at meanwhile. */
export interface SettleTiming {
    settleMs: number;
    pauseMs: number;
}

export const defaultSettle: SettleTiming = { settleMs: 5000, pauseMs: 500 };
/** The longest one look at the whole cluster may take. */
const roundMs = 3000;
/** A round that ends this close to the overall deadline was cut short by it (timers may fire a little early). */
const cutMarginMs = 50;
/** A bound on the rounds, whatever the timings. */
const maxRounds = 10_000;

/** Each node's API, logged in once and again after a password change revoked the token. */
function clusterViews(username: string, passwords: string[]) {
    const tokens = new Map<string, string>();
    const login = async (url: string, deadline: number): Promise<string> => {
        for (const password of passwords) {
            const token = await requestToken(emqxApi(url, deadline), username, password);
            if (token !== undefined) return (tokens.set(url, token), token);
        }
        throw new Error(`dashboard login as ${username} was refused with every password this stack set`);
    };
    /** What the node at `url` says of every member: node name to node_status. */
    return async (url: string, deadline: number): Promise<Map<string, string>> => {
        for (let tries = 0; tries < 2; tries++) {
            const token = tokens.get(url) ?? (await login(url, deadline));
            const answer = await emqxApi(url, deadline).request("GET", "/api/v5/nodes", { token });
            if (answer.status === 401) tokens.delete(url);
            else if (answer.status === 200) return nodeStatuses(answer.text);
            else throw new Error(`GET /api/v5/nodes answered HTTP ${answer.status}`);
        }
        throw new Error("GET /api/v5/nodes refused a fresh token (HTTP 401)");
    };
}

/** What keeps the cluster from serving whole right now (the first node's problem), or undefined. */
async function clusterProblem(cluster: ClusterMemberEndpoints[], view: ReturnType<typeof clusterViews>, deadline: number): Promise<string | undefined> {
    const problems = await Promise.all(
        cluster.map(async (member) => {
            try {
                await waitUntilListening(member.mqttUrl, Math.max(0, deadline - Date.now()));
                const statuses = await view(member.dashboardUrl, deadline);
                const absent = cluster.filter((other) => statuses.get(other.nodeName) !== "running");
                if (absent.length > 0) return `${member.nodeName}'s API lists ${absent.map((other) => `${other.nodeName} as ${statuses.get(other.nodeName) ?? "no member"}`).join(", ")}`;
            } catch (err) {
                return `${member.nodeName}: ${(err as Error).message}`;
            }
            return undefined;
        }),
    );
    return problems.find((problem) => problem !== undefined);
}

/**
 * Resolves once the cluster serves whole again after `node` changed, and has for `settleMs`; at
 * once for a new node (`previous` undefined): a first deploy starts every node together and the
 * post-deploy check proves them all, while a change rolls one node at a time. Throws one line
 * naming the node and what kept the cluster from serving whole at the deadline.
 */
export async function nodeServesAgain(node: NodeReadiness, previous: NodeReadiness | undefined, cluster: ClusterMemberEndpoints[], timing: SettleTiming = defaultSettle): Promise<void> {
    if (previous === undefined) return;
    const deadline = Date.now() + node.timeoutSeconds * 1000;
    const view = clusterViews(node.dashboardUsername, [...new Set([...node.dashboardPasswords, ...previous.dashboardPasswords])]);
    let wholeSince: number | undefined = undefined;
    let problem: string | undefined = undefined;
    for (let round = 0; round < maxRounds && Date.now() < deadline; round++) {
        const roundDeadline = Math.min(deadline, Date.now() + roundMs);
        const found = await clusterProblem(cluster, view, roundDeadline);
        if (found === undefined) {
            wholeSince ??= Date.now();
            if (Date.now() - wholeSince >= timing.settleMs) return;
        } else {
            // A round the overall deadline cut short says less than the one before it.
            const cutShort = roundDeadline === deadline && Date.now() >= deadline - cutMarginMs;
            if (problem === undefined || !cutShort) {
                problem = wholeSince === undefined ? found : `the cluster served whole for ${((Date.now() - wholeSince) / 1000).toFixed(1)} s, then ${found}`;
            }
            wholeSince = undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(timing.pauseMs, deadline - Date.now()))));
    }
    throw new Error(`${node.nodeName} does not serve again: ${problem ?? "nothing answered"}`);
}
