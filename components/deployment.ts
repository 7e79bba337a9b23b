import * as pulumi from "@pulumi/pulumi";
import { type ClusterNode, clusterLayout } from "../lib/config/clusterLayout";
import { dialFor, endpointsFor, listenerUrl } from "../lib/config/endpoints";
import { type StackSettings, withSecretsWrapped } from "../lib/config/loadStackSettings";
import { ownershipLabels } from "../lib/docker/labels";
import { DashboardPassword } from "./dashboardPassword";
import type { DeploymentArgs } from "./deploymentArgs";
import { resolveArguments, secretArgumentsWrapped } from "./deploymentArguments";
import { declareNodes, engineProvider } from "./emqxNodes";
import { declareMqttAcl } from "./mqttAcl";
import { declareMqttUsers } from "./mqttUsers";
import { Network } from "./network";
import { PostDeployCheck } from "./postDeployCheck";

export type { DeploymentArgs, MqttAclRuleArgs, MqttUserArgs, SwarmHostArgs } from "./deploymentArgs";

/** One EMQX node of a deployment, as a client and an operator see it. */
export interface DeploymentNode {
    /** EMQX node name, name@host. */
    nodeName: string;
    /** Its container (or Swarm service). */
    containerName: string;
    /** Its fixed IP on the bridge network; absent on Swarm, whose tasks get none. */
    containerIp?: string;
    /** Its MQTT listener. */
    mqttUrl: string;
    /** Its dashboard and REST API. */
    dashboardUrl: string;
}

/** Options of a Deployment: a component's, and where its children lived before it existed. */
export interface DeploymentOptions extends pulumi.ComponentResourceOptions {
    /** The children were this stack's own resources, named without the deployment's prefix: aliases keep their state. */
    childrenWereStackResources?: boolean;
    /** How problems and warnings name an argument: the stack names its config keys (`emqx:mqttPort`); by default, the argument itself. */
    argumentLabel?: (argument: string) => string;
}

/** What the component's outputs are made of; nothing secret, so none of them is. */
interface Deployed {
    mqttUrl: string;
    mqttsUrl: string;
    wsUrl: string;
    wssUrl: string;
    dashboardUrl: string;
    dashboardUsername: string;
    containerName: pulumi.Output<string>;
    containerIp: string | undefined;
    networkName: pulumi.Output<string>;
    subnet: pulumi.Output<string>;
    volumes: pulumi.Output<string[]>;
    clusterNodes: pulumi.Output<DeploymentNode[]>;
    mqttUsernames: string[];
    tlsCertificateExpiresAt: string | undefined;
    tlsCaCertificate: string | undefined;
    tlsServerName: string | undefined;
}

/**
 * EMQX on Docker (one engine or a Swarm), proven inside `pulumi up`: a network, one broker or a
 * cluster of nodes that roll one at a time, the dashboard password, MQTT accounts and rules set
 * through EMQX's API, and a check that an MQTT message makes the round trip before the deploy
 * succeeds. Its arguments are validated in full before any resource is declared.
 */
export class Deployment extends pulumi.ComponentResource<Deployed> {
    /** MQTT over TCP, e.g. mqtt://127.0.0.1:1883. */
    readonly mqttUrl: pulumi.Output<string>;
    /** MQTT over TLS. */
    readonly mqttsUrl: pulumi.Output<string>;
    /** MQTT over WebSocket. */
    readonly wsUrl: pulumi.Output<string>;
    /** MQTT over secure WebSocket. */
    readonly wssUrl: pulumi.Output<string>;
    /** The dashboard and REST API. */
    readonly dashboardUrl: pulumi.Output<string>;
    /** EMQX's Prometheus text (no login needed): connections, messages, and the rest of its metrics. */
    readonly metricsUrl: pulumi.Output<string>;
    /** The dashboard administrator. */
    readonly dashboardUsername: pulumi.Output<string>;
    /** Node 1's container (or Swarm service). */
    readonly containerName: pulumi.Output<string>;
    /** Node 1's fixed IP on the bridge network; absent on Swarm, whose tasks get none. */
    readonly containerIp: pulumi.Output<string | undefined>;
    /** The Docker network. */
    readonly networkName: pulumi.Output<string>;
    /** Its subnet, as Docker reports it. */
    readonly subnet: pulumi.Output<string>;
    /** Node 1's data and log volumes. */
    readonly volumes: pulumi.Output<string[]>;
    /** Every node (one entry for a single broker). */
    readonly clusterNodes: pulumi.Output<DeploymentNode[]>;
    /** The MQTT account names, in order. */
    readonly mqttUsernames: pulumi.Output<string[]>;
    /** When the broker's own certificate expires (ISO 8601); absent with the image's test certificates. */
    readonly tlsCertificateExpiresAt: pulumi.Output<string | undefined>;
    /** The CA a client verifies the broker's own certificate with (public data). */
    readonly tlsCaCertificate: pulumi.Output<string | undefined>;
    /** The name the broker's own certificate is verified against. */
    readonly tlsServerName: pulumi.Output<string | undefined>;

    constructor(name: string, args: DeploymentArgs, opts?: DeploymentOptions) {
        // The engine records a component's arguments: the secret ones go there as secrets, however they came.
        super("emqx:index:Deployment", name, secretArgumentsWrapped(args), opts);
        const deployed = pulumi.output(this.getData());
        const out = <K extends keyof Deployed>(key: K) => deployed.apply((d) => d[key]) as pulumi.Output<pulumi.Unwrap<Deployed[K]>>;
        this.mqttUrl = out("mqttUrl");
        this.mqttsUrl = out("mqttsUrl");
        this.wsUrl = out("wsUrl");
        this.wssUrl = out("wssUrl");
        this.dashboardUrl = out("dashboardUrl");
        this.metricsUrl = pulumi.interpolate`${this.dashboardUrl}/api/v5/prometheus/stats`;
        this.dashboardUsername = out("dashboardUsername");
        this.containerName = out("containerName");
        this.containerIp = out("containerIp");
        this.networkName = out("networkName");
        this.subnet = out("subnet");
        this.volumes = out("volumes");
        this.clusterNodes = out("clusterNodes");
        this.mqttUsernames = out("mqttUsernames");
        this.tlsCertificateExpiresAt = out("tlsCertificateExpiresAt");
        this.tlsCaCertificate = out("tlsCaCertificate");
        this.tlsServerName = out("tlsServerName");
    }

    /** Runs inside the constructor's `super`: resolves and validates the arguments, then declares the children. */
    protected async initialize(args: pulumi.Inputs, opts?: DeploymentOptions, name?: string): Promise<Deployed> {
        const settings = withSecretsWrapped(await resolveArguments(name!, args as DeploymentArgs, opts?.argumentLabel));
        for (const warning of settings.warnings) void pulumi.log.warn(warning, this);
        const deployed = this.declare(name!, settings, opts?.childrenWereStackResources === true);
        this.registerOutputs({});
        return deployed;
    }

    private declare(name: string, settings: StackSettings, wereStackResources: boolean): Deployed {
        // Children are `name-role`; before this component, the stack's own resources were `role`, children of the stack.
        const under = (before: string, extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions => ({
            ...extra,
            parent: this,
            aliases: wereStackResources ? [{ name: before, parent: pulumi.rootStackResource }] : [],
        });
        const project = pulumi.getProject();
        const labels = ownershipLabels(project, pulumi.getStack());
        // One broker, or a cluster whose node 1 is that same broker and whose nodes all seed from node 1.
        const layout = clusterLayout({ ...settings, shiftPorts: settings.engine !== "swarm" || settings.swarmSharedHosts });
        const nodeUrls = (node: ClusterNode) => ({
            mqttUrl: listenerUrl(node.ports, dialFor(settings, node.index), "mqttPort", "mqtt"),
            dashboardUrl: listenerUrl(node.ports, dialFor(settings, node.index), "dashboardPort", "http"),
        });
        const endpoints = endpointsFor(settings.ports, dialFor(settings, 1));

        // Resources, on the Docker engine or Swarm manager `dockerHost` names.
        const provider = engineProvider(settings, `${name}-docker-host`, under("docker-host"));
        const onEngine = (opts: pulumi.CustomResourceOptions) => (provider ? { ...opts, providers: [provider] } : opts);
        const network = new Network(`${name}-network`, { name: settings.networkName, subnet: settings.subnet, labels, overlay: settings.engine === "swarm" }, onEngine(under("network")));
        const requireMqttCredentials = settings.mqttUsernames.length > 0;
        const brokers = declareNodes(
            name,
            settings,
            layout,
            {
                ...settings,
                authorizationNoMatch: settings.authorization.managed ? settings.authorization.noMatch : undefined,
                networkName: network.name,
                volumePrefix: `${project}-${pulumi.getStack()}-${name}`,
                labels,
                requireMqttCredentials,
            },
            (node) => (layout.length > 1 ? { nodeName: node.nodeName, ...nodeUrls(node), timeoutSeconds: settings.checkTimeoutSeconds, cluster: layout.map((n) => ({ nodeName: n.nodeName, ...nodeUrls(n) })) } : undefined),
            (resourceName) => onEngine(under(resourceName)),
        );
        const broker = brokers[0];
        const nodes = layout.map((node, i) => ({
            nodeName: node.nodeName,
            containerName: brokers[i].containerName,
            containerIp: settings.engine === "swarm" ? undefined : node.containerIp,
            ...nodeUrls(node),
        }));

        const dashboardPassword = new DashboardPassword(`${name}-dashboard-password`, {
            dashboardUrl: endpoints.dashboardUrl,
            username: settings.dashboardUsername,
            password: settings.dashboardPassword,
            firstBootPassword: broker.firstBootPassword,
            containerId: broker.workloadId,
            containerName: broker.containerName,
            timeoutSeconds: settings.checkTimeoutSeconds,
        }, under("dashboard-password"));

        // The REST API work after the container: which dashboard and login, and which container it waits for.
        const dashboardApi = { dashboardUrl: endpoints.dashboardUrl, dashboardUsername: settings.dashboardUsername, dashboardPassword: settings.dashboardPassword };
        const afterContainer = {
            containerId: pulumi.all(brokers.map((b) => b.workloadId)).apply((ids) => ids.join(",")),
            containerName: broker.containerName,
            timeoutSeconds: settings.checkTimeoutSeconds,
        };
        const afterPassword = { dependsOn: [dashboardPassword] };
        const users = requireMqttCredentials ? declareMqttUsers(`${name}-mqtt-users`, { users: settings.mqttUsers, ...dashboardApi, ...afterContainer }, under("mqtt-users", afterPassword)) : undefined;
        const { authorization } = settings;
        const acl = authorization.mqttAcl.length > 0 ? declareMqttAcl(`${name}-mqtt-acl`, { rules: authorization.mqttAcl, ...dashboardApi, ...afterContainer }, under("mqtt-acl", afterPassword)) : undefined;

        // Proof: the deploy only succeeds once an MQTT message makes the round trip (as the first
        // account, on a topic its rules allow, with anonymous clients and a forbidden request
        // refused; over TLS too with the deployment's own certificate) and the dashboard takes the
        // login. It runs inside `pulumi up` whenever any of this changes.
        new PostDeployCheck(
            `${name}-post-deploy-check`,
            {
                ...dashboardApi,
                ...afterContainer,
                url: endpoints.mqttUrl,
                username: settings.mqttUsernames[0],
                password: requireMqttCredentials ? settings.mqttUsers.apply((list) => list[0].password) : undefined,
                refuseAnonymous: requireMqttCredentials,
                tlsUrl: settings.tls && endpoints.mqttsUrl,
                tlsCa: settings.tls?.caCertificate || undefined,
                tlsServerName: settings.tls?.serverName,
                cluster: layout.length > 1 ? nodes.map(({ nodeName, mqttUrl }) => ({ nodeName, mqttUrl })) : undefined,
                acl: authorization.proof,
            },
            under("post-deploy-check", { dependsOn: [dashboardPassword, ...(users ? [users] : []), ...(acl ? [acl] : [])] }),
        );

        return {
            ...endpoints,
            dashboardUsername: settings.dashboardUsername,
            containerName: broker.containerName,
            containerIp: nodes[0].containerIp,
            networkName: network.name,
            subnet: network.subnet,
            volumes: broker.volumeNames,
            clusterNodes: pulumi.output(nodes),
            mqttUsernames: settings.mqttUsernames,
            tlsCertificateExpiresAt: settings.tls?.validTo,
            tlsCaCertificate: settings.tls?.caCertificate || undefined,
            tlsServerName: settings.tls?.serverName,
        };
    }
}
