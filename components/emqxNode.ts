/**
 * What every EMQX node needs, whichever engine runs it (a Docker container, a Swarm service): its
 * inputs, the first-boot password it keeps, its environment with the secret lines marked, and its
 * place in a rolling order.
 */
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { type ClusterMemberEndpoints, nodeServesAgain } from "../lib/check/nodeReady";
import type { EmqxSetting } from "../lib/config/emqxConfig";
import type { PortBinding } from "../lib/config/settings";
import { isSecretEnvLine, renderEmqxEnv } from "../lib/emqx/env";
import { runBeforeRecorded } from "./beforeRecorded";

/** The broker's own TLS material as PEM text; only the key is a secret. */
export interface BrokerTls {
    /** Server certificate, optionally followed by intermediates. */
    certificate: string;
    /** Its private key (a secret). */
    privateKey: pulumi.Input<string>;
    /** CA certificate(s), or "" for none. */
    caCertificate: string;
}

/** Where a cluster node serves, how long a rolling step waits for it, and where every node of its cluster serves. */
export interface NodeReadinessArgs extends ClusterMemberEndpoints {
    /** How long to wait for the cluster to serve whole again, in seconds. */
    timeoutSeconds: number;
    /** Every node of the cluster, this one included. */
    cluster: ClusterMemberEndpoints[];
}

/** Inputs every EMQX node takes, whichever engine runs it. */
export interface EmqxNodeArgs {
    /** Pinned image reference, e.g. emqx/emqx:5.1.4 (or the name of an image another resource builds). */
    image: pulumi.Input<string>;
    /** Docker container (or Swarm service) name (the seed's `ai4e_emqx`). */
    containerName: string;
    /** Docker network to join; pass the network component's output so the node waits for it. */
    networkName: pulumi.Input<string>;
    /** Restart policy: no, on-failure, always or unless-stopped. */
    restart: string;
    /** Erlang node name, name@host; its host part also becomes the node's network alias. */
    nodeName: string;
    /** Listener ports published on the host. */
    ports: PortBinding[];
    /** The node's number in its cluster: 1 for a single broker. */
    nodeNumber: number;
    /** Node names of a cluster's static seeds; undefined for a single broker. */
    clusterSeeds?: string[];
    /** For a cluster node: where it and its cluster serve, so that each deploy that changes it waits until the cluster serves whole again (its `ready`), and how long to wait. */
    readiness?: NodeReadinessArgs;
    /** The previous node's `ready`: once this node exists, it is replaced only after that, so a rolling change never takes two nodes down. */
    rollAfter?: pulumi.Resource;
    /** EMQX console log level. */
    logLevel: string;
    /** Dashboard administrator's user name. */
    dashboardUsername: string;
    /** Dashboard administrator's password (a secret); the node keeps the first one it gets (see firstBootPassword). */
    dashboardPassword: pulumi.Input<string>;
    /** Erlang cookie (a secret); undefined keeps EMQX's default. */
    nodeCookie: pulumi.Input<string> | undefined;
    /** Refuse MQTT clients that EMQX's built-in database does not know. */
    requireMqttCredentials: boolean;
    /** What a request no authorization rule matches gets, when the stack manages authorization; undefined leaves EMQX's defaults. */
    authorizationNoMatch: "allow" | "deny" | undefined;
    /** Where EMQX keeps retained messages: `disc` (the data volume) or `ram` (EMQX's default). */
    retainerStorage: "ram" | "disc";
    /** Further EMQX settings (emqx:emqxConfig): path, environment variable, HOCON value. */
    emqxConfig: EmqxSetting[];
    /** Whether emqx:emqxConfig is a secret, so its lines of the environment stay secret. */
    emqxConfigSecret: boolean;
    /** The broker's own certificate for the 8883 and 8084 listeners; undefined keeps the image's test certificates. */
    tls: BrokerTls | undefined;
    /** Memory limit in MB; 0 means no limit. */
    memoryMb: number;
    /** json-file log rotation size such as 10m; "" keeps Docker's default logging. */
    logMaxSize: string;
    /** How many rotated log files json-file keeps. */
    logMaxFiles: number;
    /** Prefix of the named data and log volumes, unique per project and stack. */
    volumePrefix: string;
    /** Keep the volumes (the broker's data) when the stack is destroyed. */
    keepVolumesOnDestroy: boolean;
    /** Docker labels put on the node and its volumes. */
    labels: { label: string; value: string }[];
}

/** One variable of EMQX's environment; only a line that carries a secret is a Pulumi secret. */
export interface EnvLine {
    name: string;
    /** The whole `NAME=value` line. */
    line: pulumi.Output<string>;
    secret: boolean;
}

/**
 * The dashboard password a node hands EMQX for a data volume's first boot: the first
 * dashboardPassword this stack deployed, kept in a Stash, so a later change does not replace the
 * node (it goes through EMQX's API instead).
 */
export function firstBootPassword(name: string, args: EmqxNodeArgs, parent: pulumi.Resource): pulumi.Output<string> {
    const firstBoot = new pulumi.Stash(`${name}-first-boot-password`, { input: args.dashboardPassword }, { parent });
    return pulumi.secret(firstBoot.output as pulumi.Output<string>);
}

/** EMQX's environment, in which only the lines that carry a secret stay secret, so `pulumi preview` shows what else changed. */
export function emqxEnvironment(args: EmqxNodeArgs, firstBoot: pulumi.Output<string>, tlsFiles: { certfile: string; keyfile: string; cacertfile?: string } | undefined): EnvLine[] {
    const render = (password: string, nodeCookie: string | undefined) =>
        renderEmqxEnv({
            nodeName: args.nodeName,
            logLevel: args.logLevel,
            dashboardUsername: args.dashboardUsername,
            firstBootPassword: password,
            nodeCookie,
            builtInAuthentication: args.requireMqttCredentials,
            clusterSeeds: args.clusterSeeds,
            tlsFiles,
            authorization: args.authorizationNoMatch && { noMatch: args.authorizationNoMatch },
            retainOnDisc: args.retainerStorage === "disc",
            settings: args.emqxConfig,
        });
    const env = pulumi.all([firstBoot, args.nodeCookie]).apply(([password, cookie]) => render(password, cookie));
    const shape = render("", args.nodeCookie === undefined ? undefined : "");
    const secretSettings = new Set(args.emqxConfigSecret ? args.emqxConfig.map((setting) => setting.variable) : []);
    return shape.map((line, i) => {
        const name = line.slice(0, line.indexOf("="));
        const secret = isSecretEnvLine(line) || secretSettings.has(name);
        return { name, line: secret ? env[i] : pulumi.unsecret(env[i]), secret };
    });
}

/**
 * What the node's container (or service) waits for: `rollAfter` (the previous node serving again),
 * but only once this node was deployed before, so a change rolls one node at a time while a first
 * deploy starts every node together. A marker Stash keeps the nonce of the deploy that first made
 * the node (its input is never updated): this run's nonce means the node is new.
 */
export function rollingOrder(name: string, rollAfter: pulumi.Resource, parent: pulumi.Resource): pulumi.Output<pulumi.Resource[]> {
    const nonce = randomBytes(8).toString("hex");
    const marker = new pulumi.Stash(`${name}-deployed`, { input: nonce }, { parent, ignoreChanges: ["input"] });
    return marker.output.apply((first) => (first === nonce ? [] : [rollAfter]));
}

/**
 * For a cluster node: done at once when the node is new, and once after a change (a new
 * `workloadId`) the whole cluster serves again as every node sees it, and stays so. The login is in
 * its input, so the previous password is still at hand when this deploy also changes it; the
 * cluster's members are not, so growing the cluster leaves a node's readiness as it was.
 */
export function nodeReadiness(name: string, workloadId: pulumi.Output<string>, args: EmqxNodeArgs, firstBoot: pulumi.Output<string>, parent: pulumi.Resource): pulumi.Resource | undefined {
    if (!args.readiness) return undefined;
    const { cluster, ...where } = args.readiness;
    const node = pulumi
        .all([workloadId, args.dashboardPassword, firstBoot])
        .apply(([containerId, password, firstBootPassword]) => ({ containerId, ...where, dashboardUsername: args.dashboardUsername, dashboardPasswords: [password, firstBootPassword] }));
    return runBeforeRecorded(`${name}-ready`, node, (news, olds) => nodeServesAgain(news, olds, cluster), { parent });
}
