import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { containerLimits, emqxHealthcheck, emqxStopGraceSeconds, tlsFilePaths, tlsUploads } from "../lib/docker/containerSpec";
import { assertGrants } from "../lib/docker/engine";
import { contextualHook } from "./beforeRecorded";
import { type EmqxNodeArgs, emqxEnvironment, firstBootPassword, nodeReadiness, rollingOrder } from "./emqxNode";

/** Inputs of one EMQX broker container. */
export interface BrokerArgs extends EmqxNodeArgs {
    /** Fixed IPv4 address on the network. */
    containerIp: pulumi.Input<string>;
    /** Open-file limit (soft and hard), proven grantable before the container is made; 0 keeps Docker's default. */
    nofileLimit: number;
    /** Whether to run with no-new-privileges. */
    noNewPrivileges: boolean;
    /** The Docker engine the stack deploys to (emqx:dockerHost), for the probe; "" for the local default. */
    dockerHost: string;
}

/** EMQX in Docker: the pinned image, its data and log volumes, and the container. */
export class Broker extends pulumi.ComponentResource {
    /** The container, for resources that must wait for it. */
    readonly container: docker.Container;
    /** The container's id: a new one means a new container, which what runs after it (readiness, the check) must prove again. */
    readonly workloadId: pulumi.Output<string>;
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

        this.firstBootPassword = firstBootPassword(name, args, this);
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
                envs: emqxEnvironment(args, this.firstBootPassword, tlsFiles).map((env) => env.line),
                uploads,
                networksAdvanced: [{ name: args.networkName, ipv4Address: args.containerIp, aliases: [args.nodeName.split("@")[1]] }],
                ports: args.ports.map((p) => ({ internal: p.containerPort, external: p.hostPort, ip: p.hostIp, protocol: "tcp" })),
                volumes: [
                    { volumeName: data.name, containerPath: "/opt/emqx/data" },
                    { volumeName: log.name, containerPath: "/opt/emqx/log" },
                ],
                healthcheck: emqxHealthcheck,
                destroyGraceSeconds: emqxStopGraceSeconds,
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
                dependsOn: args.rollAfter ? rollingOrder(name, args.rollAfter, this) : [],
            },
        );
        this.workloadId = this.container.id;
        this.ready = nodeReadiness(name, this.workloadId, args, this.firstBootPassword, this);
        this.containerName = this.container.name;
        this.containerIp = pulumi.output(args.containerIp);
        this.volumeNames = pulumi.all([data.name, log.name]);
        this.registerOutputs({ containerName: this.containerName, containerIp: this.containerIp, volumeNames: this.volumeNames });
    }

    /**
     * Before the container is made (or changed), a throwaway container of the same image on the same
     * network proves the daemon grants its host ports (`withPorts`) and open-file limit, so a taken
     * port or a limit above the daemon's fails `up` with one line naming the key, and no broker.
     */
    private grantsProbe(name: string, args: BrokerArgs, withPorts: boolean): pulumi.ResourceHook {
        return contextualHook(name, async (hook) => {
            const network = (hook.newInputs?.networksAdvanced as { name?: string }[] | undefined)?.[0]?.name;
            const spec = {
                image: String(hook.newInputs?.image),
                labels: Object.fromEntries(args.labels.map((l) => [l.label, l.value])),
                nofile: args.nofileLimit > 0 ? args.nofileLimit : undefined,
                ports: withPorts ? args.ports : undefined,
                network: withPorts ? network : undefined,
            };
            const configured = args.ports.map((p) => ({ key: p.key, hostPort: p.hostPort, node: args.nodeNumber }));
            await assertGrants(spec, configured, args.dockerHost, (line) => void pulumi.log.info(line, this));
        });
    }
}
