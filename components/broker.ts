import { randomBytes } from "node:crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { assertGrants } from "../lib/docker/engine";
import { type NodeEndpoints, nodeServesAgain } from "../lib/check/nodeReady";
import { runBeforeRecorded } from "./beforeRecorded";
import { containerLimits, emqxHealthcheck, type TlsFiles, tlsFilePaths, tlsUploads } from "../lib/docker/containerSpec";
import { isSecretEnvLine, renderEmqxEnv } from "../lib/emqx/env";
import type { EmqxSetting } from "../lib/config/emqxConfig";
import type { PortBinding } from "../lib/config/settings";

/** The broker's own TLS material as PEM text; only the key is a secret. */
export interface BrokerTls {
    /** Server certificate, optionally followed by intermediates. */
    certificate: string;
    /** Its private key (a secret). */
    privateKey: pulumi.Input<string>;
    /** CA certificate(s), or "" for none. */
    caCertificate: string;
}


/** Inputs of one EMQX broker container. */
export interface BrokerArgs {
    /** Pinned image reference, e.g. emqx/emqx:5.1.4 (or the name of an image another resource builds). */
    image: pulumi.Input<string>;
    /** Docker container name (the seed's `ai4e_emqx`). */
    containerName: string;
    /** Docker network to join; pass the network component's output so the container waits for it. */
    networkName: pulumi.Input<string>;
    /** Fixed IPv4 address on that network. */
    containerIp: pulumi.Input<string>;
    /** Docker restart policy. */
    restart: string;
    /** Erlang node name, name@host; its host part also becomes the container's network alias. */
    nodeName: string;
    /** Listener ports published on the host. */
    ports: PortBinding[];
    /** The node's number in its cluster: 1 for a single broker. */
    nodeNumber: number;
    /** Node names of a cluster's static seeds; undefined for a single broker. */
    clusterSeeds?: string[];
    /**
     * For a cluster node: where it serves, so that each deploy that changes its container waits
     * until it serves again (its `ready`), and how long to wait.
     */
    readiness?: NodeEndpoints;
    /** The previous node's `ready`: once this node exists, its container is replaced only after it, so a rolling change never takes two nodes down. */
    rollAfter?: pulumi.Resource;
    /** EMQX console log level. */
    logLevel: string;
    /** Dashboard administrator's user name. */
    dashboardUsername: string;
    /** Dashboard administrator's password (a secret); the container keeps the first one it gets (see firstBootPassword). */
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
    /** Open-file limit (soft and hard), proven grantable before the container is made; 0 keeps Docker's default. */
    nofileLimit: number;
    /** json-file log rotation size such as 10m; "" keeps Docker's default logging. */
    logMaxSize: string;
    /** How many rotated log files json-file keeps. */
    logMaxFiles: number;
    /** Whether to run with no-new-privileges. */
    noNewPrivileges: boolean;
    /** Prefix of the named data and log volumes, unique per project and stack. */
    volumePrefix: string;
    /** Keep the volumes (the broker's data) when the stack is destroyed. */
    keepVolumesOnDestroy: boolean;
    /** Docker labels put on the container and its volumes. */
    labels: { label: string; value: string }[];
}

/** EMQX in Docker: the pinned image, its data and log volumes, and the container. */
export class Broker extends pulumi.ComponentResource {
    /** The container, for resources that must wait for it. */
    readonly container: docker.Container;
    /** The container's name. */
    readonly containerName: pulumi.Output<string>;
    /** The container's fixed IPv4 address on the network. */
    readonly containerIp: pulumi.Output<string>;
    /** Names of the data and log volumes. */
    readonly volumeNames: pulumi.Output<string[]>;
    /**
     * The dashboard password the container hands EMQX for a data volume's first boot: the first
     * dashboardPassword this stack deployed, kept in state, so a later change does not replace the
     * container (it goes through EMQX's API instead).
     */
    readonly firstBootPassword: pulumi.Output<string>;
    /** With `readiness`: done at once for a new node, and once a changed container serves MQTT and its API again. */
    readonly ready: pulumi.Resource | undefined;

    constructor(name: string, args: BrokerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("emqx:index:Broker", name, {}, opts);
        const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });
        const volume = (purpose: string) =>
            new docker.Volume(
                `${name}-${purpose}`,
                { name: `${args.volumePrefix}-${purpose}`, labels: args.labels },
                { parent: this, retainOnDelete: args.keepVolumesOnDestroy },
            );
        const data = volume("data");
        const log = volume("log");

        const firstBoot = new pulumi.Stash(`${name}-first-boot-password`, { input: args.dashboardPassword }, { parent: this });
        this.firstBootPassword = pulumi.secret(firstBoot.output as pulumi.Output<string>);
        const tls = args.tls;
        const tlsFiles = tls && tlsFilePaths(tls.caCertificate !== "");
        // The key travels inside `uploads`, so the whole list is a secret.
        const uploads = tls && pulumi.secret(pulumi.output(tls.privateKey).apply((privateKey) => tlsUploads(tlsFiles!, { ...tls, privateKey })));
        this.container = new docker.Container(
            name,
            {
                name: args.containerName,
                image: image.imageId,
                restart: args.restart,
                envs: this.environment(args, tlsFiles),
                uploads,
                networksAdvanced: [{ name: args.networkName, ipv4Address: args.containerIp, aliases: [args.nodeName.split("@")[1]] }],
                ports: args.ports.map((p) => ({ internal: p.containerPort, external: p.hostPort, ip: p.hostIp, protocol: "tcp" })),
                volumes: [
                    { volumeName: data.name, containerPath: "/opt/emqx/data" },
                    { volumeName: log.name, containerPath: "/opt/emqx/log" },
                ],
                healthcheck: emqxHealthcheck,
                // Readiness is proven by the post-deploy MQTT check, which notices it sooner than a 5 s health poll.
                wait: false,
                ...containerLimits(args),
                labels: args.labels,
            },
            // The fixed name, IP and host ports cannot be held by two containers at once.
            {
                parent: this,
                deleteBeforeReplace: true,
                // A new container must get its host ports and open-file limit; a changed one keeps its ports.
                hooks: {
                    beforeCreate: [this.grantsProbe(`${name}-grants-probe`, args, true)],
                    beforeUpdate: args.nofileLimit > 0 ? [this.grantsProbe(`${name}-nofile-probe`, args, false)] : [],
                },
                dependsOn: args.rollAfter ? this.rollingOrder(name, args.rollAfter) : [],
            },
        );
        this.ready = args.readiness && this.readiness(name, args.readiness);
        this.containerName = this.container.name;
        this.containerIp = pulumi.output(args.containerIp);
        this.volumeNames = pulumi.all([data.name, log.name]);
        this.registerOutputs({ containerName: this.containerName, containerIp: this.containerIp, volumeNames: this.volumeNames });
    }

    /** EMQX's environment, in which only the lines that carry a secret stay secret, so `pulumi preview` shows what else changed. */
    private environment(args: BrokerArgs, tlsFiles: TlsFiles | undefined): pulumi.Output<string>[] {
        const render = (firstBootPassword: string, nodeCookie: string | undefined) =>
            renderEmqxEnv({
                nodeName: args.nodeName,
                logLevel: args.logLevel,
                dashboardUsername: args.dashboardUsername,
                firstBootPassword,
                nodeCookie,
                builtInAuthentication: args.requireMqttCredentials,
                clusterSeeds: args.clusterSeeds,
                tlsFiles,
                authorization: args.authorizationNoMatch && { noMatch: args.authorizationNoMatch },
                retainOnDisc: args.retainerStorage === "disc",
                settings: args.emqxConfig,
            });
        const env = pulumi.all([this.firstBootPassword, args.nodeCookie]).apply(([password, cookie]) => render(password, cookie));
        const shape = render("", args.nodeCookie === undefined ? undefined : "");
        const secretSettings = new Set(args.emqxConfigSecret ? args.emqxConfig.map((setting) => setting.variable) : []);
        const isSecret = (line: string) => isSecretEnvLine(line) || secretSettings.has(line.slice(0, line.indexOf("=")));
        return shape.map((line, i) => (isSecret(line) ? env[i] : pulumi.unsecret(env[i])));
    }

    /**
     * Before the container is made (or changed), a throwaway container of the same image on the same
     * network proves the daemon grants its host ports (`withPorts`) and open-file limit, so a taken
     * port or a limit above the daemon's fails `up` with one line naming the key, and no broker.
     */
    private grantsProbe(name: string, args: BrokerArgs, withPorts: boolean): pulumi.ResourceHook {
        return new pulumi.ResourceHook(name, async (hook) => {
            const network = (hook.newInputs?.networksAdvanced as { name?: string }[] | undefined)?.[0]?.name;
            const spec = {
                image: String(hook.newInputs?.image),
                labels: Object.fromEntries(args.labels.map((l) => [l.label, l.value])),
                nofile: args.nofileLimit > 0 ? args.nofileLimit : undefined,
                ports: withPorts ? args.ports : undefined,
                network: withPorts ? network : undefined,
            };
            const configured = args.ports.map((p) => ({ key: p.key, hostPort: p.hostPort, node: args.nodeNumber }));
            await assertGrants(spec, configured, (line) => void pulumi.log.info(line, this));
        });
    }

    /**
     * The container waits for `rollAfter` (the previous node serving again) only when this node was
     * deployed before, so a change rolls one node at a time while a first deploy starts every node
     * together. A marker Stash keeps the nonce of the deploy that first made the node (its input is
     * never updated): this run's nonce means the node is new.
     */
    private rollingOrder(name: string, rollAfter: pulumi.Resource): pulumi.Output<pulumi.Resource[]> {
        const nonce = randomBytes(8).toString("hex");
        const marker = new pulumi.Stash(`${name}-deployed`, { input: nonce }, { parent: this, ignoreChanges: ["input"] });
        return marker.output.apply((first) => (first === nonce ? [] : [rollAfter]));
    }

    /** For a cluster node: done at once when the node is new, and once a changed container serves its API and MQTT again. */
    private readiness(name: string, where: NonNullable<BrokerArgs["readiness"]>): pulumi.Resource {
        return runBeforeRecorded(
            `${name}-ready`,
            pulumi.all([this.container.id, where]).apply(([containerId, node]) => ({ containerId, ...node })),
            nodeServesAgain,
            { parent: this },
        );
    }
}
