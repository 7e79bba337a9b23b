/**
 * The whole post-deploy proof, in order: an MQTT round trip (as the first account, on a topic the
 * stack's authorization rules allow it), an anonymous client refused when accounts exist, a request
 * the rules forbid refused, a round trip over TLS with the broker's own certificate, and the
 * dashboard running with the configured login. Plain TypeScript, no Pulumi.
 */
import { randomBytes } from "node:crypto";
import { type AclProof, fillMark } from "../emqx/acl";
import { checkRefused } from "./authorization";
import { type ClusterMember, checkCluster } from "./cluster";
import { checkDashboard } from "./dashboard";
import { checkAnonymousRefused, checkMqtt } from "./mqtt";

/** What the proof dials and with which credentials. */
export interface PostDeployCheckInputs {
    /** URL the check dials, e.g. mqtt://127.0.0.1:1883. */
    url: string;
    /** How long to wait for a booting broker, in seconds. */
    timeoutSeconds: number;
    /** MQTT user name, when anonymous clients are refused. */
    username?: string;
    /** MQTT password. */
    password?: string;
    /** Also prove that a client without credentials is refused. */
    refuseAnonymous: boolean;
    /** mqtts:// URL to prove a round trip over TLS on, verifying the broker's own certificate; omit to skip. */
    tlsUrl?: string;
    /** PEM CA that signed the broker's certificate; omit to trust the system's CAs. */
    tlsCa?: string;
    /** Name the broker's certificate must carry, when it differs from the URL's host. */
    tlsServerName?: string;
    /** Dashboard base URL, e.g. http://127.0.0.1:18083. */
    dashboardUrl: string;
    /** Dashboard administrator to log in as. */
    dashboardUsername: string;
    /** That administrator's password. */
    dashboardPassword: string;
    /** Container name, named in the fix a failed dashboard login suggests. */
    containerName: string;
    /** Every node of a cluster, node 1 first; omitted for a single broker. */
    cluster?: ClusterMember[];
    /** With the stack's authorization rules: the topic the round trips use, and a request the broker must refuse. */
    acl?: AclProof;
}

/** Resolves to one line saying what was proven; throws an Error whose message names the failed step and why. */
export async function runPostDeployCheck(inputs: PostDeployCheckInputs, onProgress?: (line: string) => void): Promise<string> {
    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    const remainingMs = () => Math.max(1000, deadline - Date.now());
    const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
        try {
            return await run();
        } catch (err) {
            throw new Error(`post-deploy ${what} failed: ${(err as Error).message}`);
        }
    };
    const topic = inputs.acl?.roundTripTopic.replace(fillMark, `emqx-check-${randomBytes(6).toString("hex")}`);
    const roundTrip = (url: string, tls: boolean) =>
        checkMqtt({
            url,
            topic,
            username: inputs.username,
            password: inputs.password,
            ca: tls ? inputs.tlsCa : undefined,
            servername: tls ? inputs.tlsServerName : undefined,
            timeoutMs: remainingMs(),
            onProgress,
        });
    const proven: string[] = [];
    const { roundTripMs } = await step(`MQTT check of ${inputs.url}`, () => roundTrip(inputs.url, false));
    proven.push(`${inputs.url} round trip ${roundTripMs} ms${inputs.username ? ` as ${inputs.username}` : ""}${topic ? ` on ${topic}` : ""}`);
    if (inputs.refuseAnonymous) {
        await step(`anonymous-client check of ${inputs.url}`, () => checkAnonymousRefused({ url: inputs.url }, Math.min(10_000, remainingMs())));
        proven.push("anonymous client refused");
    }
    const forbidden = inputs.acl?.refused;
    if (forbidden) {
        const request = { ...forbidden, topic: forbidden.topic.replace(fillMark, `emqx-check-${randomBytes(6).toString("hex")}`) };
        proven.push(await step(`authorization check of ${inputs.url}`, () => checkRefused(inputs.url, { username: inputs.username, password: inputs.password }, request, deadline)));
    }
    if (inputs.tlsUrl) {
        const tls = await step(`MQTT check of ${inputs.tlsUrl}`, () => roundTrip(inputs.tlsUrl!, true));
        proven.push(`${inputs.tlsUrl} round trip ${tls.roundTripMs} ms, certificate verified`);
    }
    const token = await step("dashboard check", () =>
        checkDashboard({
            url: inputs.dashboardUrl,
            username: inputs.dashboardUsername,
            password: inputs.dashboardPassword,
            containerName: inputs.containerName,
            timeoutMs: remainingMs(),
        }),
    );
    proven.push("dashboard login accepted");
    if (inputs.cluster) {
        const cluster = inputs.cluster;
        proven.push(await step("cluster check", () => checkCluster({ dashboardUrl: inputs.dashboardUrl, token, nodes: cluster, username: inputs.username, password: inputs.password, topic, timeoutMs: remainingMs() })));
    }
    return `post-deploy check passed: ${proven.join(", ")}`;
}
