import { createHash } from "node:crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerTls, SwarmHost } from "../lib/config/engine";
import { emqxHealthcheck, emqxStopGraceSeconds, tlsFilePaths } from "../lib/docker/containerSpec";
import { hostModePorts, restartCondition, startCommand } from "../lib/swarm/service";
import { type EmqxNodeArgs, emqxEnvironment, firstBootPassword, nodeReadiness, rollingOrder } from "./emqxNode";
import { declareHostVolumes } from "./hostVolumes";
import { declareImageCommand } from "./imageCommand";

/** Inputs of one EMQX node as a Swarm service. */
export interface SwarmNodeArgs extends EmqxNodeArgs {
    /** The host it is pinned to, and that host's own engine for its volumes ("" lets Swarm make them). */
    host: SwarmHost;
    /** The Swarm manager the stack deploys to (emqx:dockerHost), where the image's command is read; "" for the local default. */
    dockerHost: string;
    /** TLS material for tcp:// engines (the manager's, and a host's for its volumes). */
    dockerTls: DockerTls | undefined;
}

/**
 * How long the provider waits for Swarm to run a new or changed task (healthy, once its health
 * check passes). A constant, not emqx:checkTimeoutSeconds: a setting of the check must not
 * update every service.
 */
const convergeTimeout = "3m";

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const emqxUid = "1000";

/**
 * EMQX as a Swarm service of one replica, pinned to its host so it keeps its node name and its
 * volume: secrets (cookie, first-boot password, TLS key) as `docker.Secret`s read into EMQX's
 * environment by the task's command, never in the service's `env`; the certificate and CA as
 * configs; MQTT and the dashboard published in host mode on its own host; Swarm's own update
 * order (stop-first, rollback on failure) for the task, and this stack's for the nodes.
 */
export class SwarmNode extends pulumi.ComponentResource {
    /** The service. */
    readonly service: docker.Service;
    /** Changes whenever the service's task changes, so what runs after a change (readiness, the check) runs again. */
    readonly workloadId: pulumi.Output<string>;
    /** The service's name. */
    readonly containerName: pulumi.Output<string>;
    /** Names of the data and log volumes (on its host). */
    readonly volumeNames: pulumi.Output<string[]>;
    /** The dashboard password the node hands EMQX for a data volume's first boot (see emqxNode.ts). */
    readonly firstBootPassword: pulumi.Output<string>;
    /** With `readiness`: done at once for a new node, and once a changed node serves MQTT and its API again. */
    readonly ready: pulumi.Resource | undefined;

    constructor(name: string, args: SwarmNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("emqx:index:SwarmNode", name, {}, opts);
        const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });
        this.firstBootPassword = firstBootPassword(name, args, this);
        const tlsFiles = args.tls && tlsFilePaths(args.tls.caCertificate !== "");
        const env = emqxEnvironment(args, this.firstBootPassword, tlsFiles);
        const secretEnv = env.filter((line) => line.secret);
        const secrets = secretEnv.map(({ name: variable, line }) => {
            const secret = this.secret(`${name}-${variable.replace(/^EMQX_/, "").toLowerCase().replace(/_+/g, "-")}`, line.apply((text) => text.slice(variable.length + 1)), args);
            return { secretId: secret.id, secretName: secret.name, fileName: variable, fileUid: emqxUid, fileGid: emqxUid, fileMode: 0o400 };
        });
        const tls = args.tls && tlsFiles ? this.tlsFiles(name, args, { ...args.tls, files: tlsFiles }) : { secrets: [], configs: [] };
        const volumes = this.volumes(name, args);
        const alias = args.nodeName.split("@")[1];
        const managerTls = args.dockerTls && pulumi.secret(args.dockerTls);
        const imageOwn = declareImageCommand(`${name}-image-command`, { image: image.name, dockerHost: args.dockerHost, tls: managerTls }, { parent: this });
        const command = imageOwn.apply((own) => startCommand(secretEnv.map((line) => line.name), own));
        this.service = new docker.Service(
            name,
            {
                name: args.containerName,
                taskSpec: {
                    containerSpec: {
                        image: image.name,
                        commands: command,
                        env: pulumi.all(env.filter((line) => !line.secret).map((e) => e.line)).apply((lines) => Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]))),
                        secrets: [...secrets, ...tls.secrets],
                        configs: tls.configs,
                        mounts: volumes.names.map((source, i) => ({ type: "volume", source, target: i === 0 ? "/opt/emqx/data" : "/opt/emqx/log" })),
                        hostname: alias,
                        healthcheck: emqxHealthcheck,
                        stopGracePeriod: `${emqxStopGraceSeconds}s`,
                        labels: args.labels,
                    },
                    placement: { constraints: [args.host.constraint] },
                    networksAdvanceds: [{ id: args.networkName, aliases: [alias] }],
                    // Docker's own delay and window, stated: left out, the provider reads them back and updates the service on every up.
                    restartPolicy: { condition: restartCondition(args.restart), delay: "5s", window: "0s" },
                    resources: args.memoryMb > 0 ? { limits: { memoryBytes: args.memoryMb * 1024 * 1024 } } : undefined,
                    logDriver: args.logMaxSize ? { name: "json-file", options: { "max-size": args.logMaxSize, "max-file": String(args.logMaxFiles) } } : undefined,
                },
                mode: { replicated: { replicas: 1 } },
                // dnsrr: an alias resolves to the task itself (VIPs need IPVS); host mode: ports on the node's own host.
                endpointSpec: { mode: "dnsrr", ports: hostModePorts(args.ports) },
                updateConfig: { parallelism: 1, order: "stop-first", failureAction: "rollback" },
                rollbackConfig: { parallelism: 1, order: "stop-first" },
                convergeConfig: { delay: "1s", timeout: convergeTimeout },
                labels: args.labels,
            },
            // The fixed name and the host ports cannot be held by two services at once.
            {
                parent: this,
                deleteBeforeReplace: true,
                dependsOn: args.rollAfter ? rollingOrder(name, args.rollAfter, this).apply((order) => [...volumes.resources, ...order]) : volumes.resources,
            },
        );
        // A service keeps its id through an update; what changed is in its task spec.
        this.workloadId = pulumi.all([this.service.id, this.service.taskSpec]).apply(([id, spec]) => `${id}:${createHash("sha256").update(JSON.stringify(spec)).digest("hex").slice(0, 16)}`);
        this.ready = nodeReadiness(name, this.workloadId, args, this.firstBootPassword, this);
        this.containerName = this.service.name;
        this.volumeNames = pulumi.output(volumes.names);
        this.registerOutputs({ containerName: this.containerName, volumeNames: this.volumeNames });
    }

    /** A Swarm secret (autonamed, so a changed value is a new secret the service moves to). */
    private secret(name: string, value: pulumi.Input<string>, args: SwarmNodeArgs): docker.Secret {
        return new docker.Secret(name, { data: pulumi.secret(pulumi.output(value).apply(base64)), labels: args.labels }, { parent: this });
    }

    /** The broker's own certificate and CA as configs, its key as a secret, at the paths EMQX's listeners read, owned by EMQX's user. */
    private tlsFiles(name: string, args: SwarmNodeArgs, tls: NonNullable<SwarmNodeArgs["tls"]> & { files: ReturnType<typeof tlsFilePaths> }) {
        const file = (fileName: string, fileMode: number) => ({ fileName, fileUid: emqxUid, fileGid: emqxUid, fileMode });
        const config = (purpose: string, pem: string, fileName: string) => {
            const made = new docker.ServiceConfig(`${name}-${purpose}`, { data: base64(pem), labels: args.labels }, { parent: this });
            return { configId: made.id, configName: made.name, ...file(fileName, 0o444) };
        };
        const configs = [config("tls-cert", tls.certificate, tls.files.certfile)];
        if (tls.files.cacertfile) configs.push(config("tls-cacert", tls.caCertificate, tls.files.cacertfile));
        const key = this.secret(`${name}-tls-key`, tls.privateKey, args);
        return { configs, secrets: [{ secretId: key.id, secretName: key.name, ...file(tls.files.keyfile, 0o400) }] };
    }

    /**
     * The data and log volumes' names, and, when the host's own engine is given, the volumes
     * themselves made there (kept on destroy as the stack says); otherwise Swarm makes them on the
     * host when the task first starts, and they outlive the stack.
     */
    private volumes(name: string, args: SwarmNodeArgs): { names: string[]; resources: pulumi.CustomResource[] } {
        const names = ["data", "log"].map((purpose) => `${args.volumePrefix}-${purpose}`);
        if (!args.host.dockerHost) return { names, resources: [] };
        // The key travels inside `tls`, so all of it is a secret.
        const tls = args.dockerTls && pulumi.secret(args.dockerTls);
        const labels = Object.fromEntries(args.labels.map((l) => [l.label, l.value]));
        const volumes = declareHostVolumes(`${name}-volumes`, { dockerHost: args.host.dockerHost, tls, names, labels }, { parent: this, retainOnDelete: args.keepVolumesOnDestroy });
        return { names, resources: [volumes] };
    }
}
