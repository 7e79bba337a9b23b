import * as pulumi from "@pulumi/pulumi";
import { DashboardPassword } from "./components/dashboardPassword";
import { declareNodes, engineOptions } from "./components/emqxNodes";
import { MqttAcl } from "./components/mqttAcl";
import { MqttUsers } from "./components/mqttUsers";
import { Network } from "./components/network";
import { PostDeployCheck } from "./components/postDeployCheck";
import { type ClusterNode, clusterLayout } from "./lib/config/clusterLayout";
import { dialFor, endpointsFor, listenerUrl } from "./lib/config/endpoints";
import { ownershipLabels } from "./lib/docker/labels";
import { loadStackSettings } from "./lib/config/loadStackSettings";

// 1. Configuration: validated in full before any resource is declared.
const settings = loadStackSettings();
const project = pulumi.getProject();
const stack = pulumi.getStack();
const labels = ownershipLabels(project, stack);
// One broker, or a cluster whose node 1 is that same broker and whose nodes all seed from node 1.
const layout = clusterLayout({ ...settings, shiftPorts: settings.engine !== "swarm" || settings.swarmSharedHosts });
const nodeUrls = (node: ClusterNode) => ({
    mqttUrl: listenerUrl(node.ports, dialFor(settings, node.index), "mqttPort", "mqtt"),
    dashboardUrl: listenerUrl(node.ports, dialFor(settings, node.index), "dashboardPort", "http"),
});
const endpoints = endpointsFor(settings.ports, dialFor(settings, 1));

// 2. Resources, on the Docker engine or Swarm manager emqx:dockerHost names.
const onEngine = engineOptions(settings);
const network = new Network("network", { name: settings.networkName, subnet: settings.subnet, labels, overlay: settings.engine === "swarm" }, onEngine);
const requireMqttCredentials = settings.mqttUsernames.length > 0;
const brokers = declareNodes(
    settings,
    layout,
    {
        ...settings,
        authorizationNoMatch: settings.authorization.managed ? settings.authorization.noMatch : undefined,
        networkName: network.name,
        volumePrefix: `${project}-${stack}-emqx`,
        labels,
        requireMqttCredentials,
    },
    (node) => (layout.length > 1 ? { nodeName: node.nodeName, ...nodeUrls(node), timeoutSeconds: settings.checkTimeoutSeconds, cluster: layout.map((n) => ({ nodeName: n.nodeName, ...nodeUrls(n) })) } : undefined),
    onEngine,
);
const broker = brokers[0];
const nodes = layout.map((node, i) => ({
    nodeName: node.nodeName,
    containerName: brokers[i].containerName,
    containerIp: settings.engine === "swarm" ? null : node.containerIp,
    ...nodeUrls(node),
}));

const dashboardPassword = new DashboardPassword("dashboard-password", {
    dashboardUrl: endpoints.dashboardUrl,
    username: settings.dashboardUsername,
    password: settings.dashboardPassword,
    firstBootPassword: broker.firstBootPassword,
    containerId: broker.workloadId,
    containerName: broker.containerName,
    timeoutSeconds: settings.checkTimeoutSeconds,
});

// The REST API work after the container: which dashboard and login, and which container it waits for.
const dashboardApi = { dashboardUrl: endpoints.dashboardUrl, dashboardUsername: settings.dashboardUsername, dashboardPassword: settings.dashboardPassword };
const afterContainer = {
    containerId: pulumi.all(brokers.map((b) => b.workloadId)).apply((ids) => ids.join(",")),
    containerName: broker.containerName,
    timeoutSeconds: settings.checkTimeoutSeconds,
};
const users = requireMqttCredentials
    ? new MqttUsers("mqtt-users", { users: settings.mqttUsers, ...dashboardApi, ...afterContainer }, { dependsOn: [dashboardPassword] })
    : undefined;
const { authorization } = settings;
const acl = authorization.mqttAcl.length > 0
    ? new MqttAcl("mqtt-acl", { rules: authorization.mqttAcl, ...dashboardApi, ...afterContainer }, { dependsOn: [dashboardPassword] })
    : undefined;

// 3. Proof: the deploy only succeeds once an MQTT message makes the round trip (as the first
// configured user, on a topic its rules allow, with anonymous clients and a forbidden request
// refused; over TLS too with the stack's own certificate) and the dashboard takes the login. It
// runs inside `pulumi up` whenever any of this changes.
new PostDeployCheck(
    "post-deploy-check",
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
    { dependsOn: [dashboardPassword, ...(users ? [users] : []), ...(acl ? [acl] : [])] },
);

// 4. Outputs: every one is always present (null when its feature is off), so `pulumi stack output
// KEY` and stack references work on every stack.
export const mqttUrl = endpoints.mqttUrl;
export const mqttsUrl = endpoints.mqttsUrl;
export const wsUrl = endpoints.wsUrl;
export const wssUrl = endpoints.wssUrl;
export const dashboardUrl = endpoints.dashboardUrl;
/** EMQX's Prometheus text (no login needed): connections, messages, and the rest of its metrics. */
export const metricsUrl = `${endpoints.dashboardUrl}/api/v5/prometheus/stats`;
export const dashboardUsername = settings.dashboardUsername;
export const containerName = broker.containerName;
/** Node 1's fixed IP on the bridge network; null on Swarm, whose tasks get none. */
export const containerIp = nodes[0].containerIp;
export const networkName = network.name;
export const subnet = network.subnet;
export const volumes = broker.volumeNames;
/** Every node: name, container (or service), IP and URLs (one entry for a single broker). */
export const clusterNodes = nodes;
export const mqttUsernames = settings.mqttUsernames;
export const tlsCertificateExpiresAt = settings.tls?.validTo ?? null;
// What a client needs to verify the broker's own certificate (public data): `npm run check -- --tls` reads them.
export const tlsCaCertificate = settings.tls?.caCertificate || null;
export const tlsServerName = settings.tls?.serverName ?? null;
