import * as pulumi from "@pulumi/pulumi";
import { Broker } from "./components/broker";
import { DashboardPassword } from "./components/dashboardPassword";
import { MqttAcl } from "./components/mqttAcl";
import { MqttUsers } from "./components/mqttUsers";
import { Network } from "./components/network";
import { PostDeployCheck } from "./components/postDeployCheck";
import { type ClusterNode, clusterLayout } from "./lib/config/clusterLayout";
import { endpointsFor, listenerUrl } from "./lib/config/endpoints";
import { ownershipLabels } from "./lib/docker/labels";
import { loadStackSettings } from "./lib/config/loadStackSettings";

// 1. Configuration: validated in full before any resource is declared.
const settings = loadStackSettings();
const project = pulumi.getProject();
const stack = pulumi.getStack();
const labels = ownershipLabels(project, stack);
const endpoints = endpointsFor(settings.ports, settings.checkHost);

// 2. Resources.
const network = new Network("network", { name: settings.networkName, subnet: settings.subnet, labels });

const requireMqttCredentials = settings.mqttUsernames.length > 0;
// One broker, or a cluster whose node 1 is that same broker and whose nodes all seed from node 1;
// each node's container waits for the one before it to serve, so a rolling change keeps N-1 up.
const layout = clusterLayout(settings);
const nodeUrls = (node: ClusterNode) => ({
    mqttUrl: listenerUrl(node.ports, settings.checkHost, "mqttPort", "mqtt"),
    dashboardUrl: listenerUrl(node.ports, settings.checkHost, "dashboardPort", "http"),
});
const brokers: Broker[] = [];
for (const node of layout) {
    brokers.push(
        new Broker(node.resourceName, {
            ...settings,
            ...node,
            nodeNumber: node.index,
            authorizationNoMatch: settings.authorization.managed ? settings.authorization.noMatch : undefined,
            clusterSeeds: layout.length > 1 ? [layout[0].nodeName] : undefined,
            readiness: layout.length > 1 ? { ...nodeUrls(node), timeoutSeconds: settings.checkTimeoutSeconds } : undefined,
            rollAfter: brokers[brokers.length - 1]?.ready,
            networkName: network.name,
            volumePrefix: `${project}-${stack}-emqx${node.volumeSuffix}`,
            labels,
            requireMqttCredentials,
        }),
    );
}
const broker = brokers[0];
const nodes = layout.map((node, i) => ({ nodeName: node.nodeName, containerName: brokers[i].containerName, containerIp: node.containerIp, ...nodeUrls(node) }));

const dashboardPassword = new DashboardPassword("dashboard-password", {
    dashboardUrl: endpoints.dashboardUrl,
    username: settings.dashboardUsername,
    password: settings.dashboardPassword,
    firstBootPassword: broker.firstBootPassword,
    containerId: broker.container.id,
    containerName: broker.containerName,
    timeoutSeconds: settings.checkTimeoutSeconds,
});

// The REST API work after the container: which dashboard and login, and which container it waits for.
const dashboardApi = { dashboardUrl: endpoints.dashboardUrl, dashboardUsername: settings.dashboardUsername, dashboardPassword: settings.dashboardPassword };
const afterContainer = {
    containerId: pulumi.all(brokers.map((b) => b.container.id)).apply((ids) => ids.join(",")),
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
export const containerIp = broker.containerIp;
export const networkName = network.name;
export const subnet = network.subnet;
export const volumes = broker.volumeNames;
/** Every node: name, container, IP and URLs (one entry for a single broker). */
export const clusterNodes = nodes;
export const mqttUsernames = settings.mqttUsernames;
export const tlsCertificateExpiresAt = settings.tls?.validTo ?? null;
// What a client needs to verify the broker's own certificate (public data): `npm run check -- --tls` reads them.
export const tlsCaCertificate = settings.tls?.caCertificate || null;
export const tlsServerName = settings.tls?.serverName ?? null;
