import * as pulumi from "@pulumi/pulumi";
import { Broker } from "./components/broker";
import { Network } from "./components/network";
import { PostDeployCheck } from "./components/postDeployCheck";
import { endpointsFor } from "./lib/endpoints";
import { ownershipLabels } from "./lib/labels";
import { loadStackSettings } from "./lib/stackConfig";

// 1. Configuration: validated in full before any resource is declared.
const settings = loadStackSettings();
const project = pulumi.getProject();
const stack = pulumi.getStack();
const labels = ownershipLabels(project, stack);
const endpoints = endpointsFor(settings.ports, settings.checkHost);

// 2. Resources.
const network = new Network("network", { name: settings.networkName, subnet: settings.subnet, labels });

const broker = new Broker("emqx", {
    ...settings,
    networkName: network.name,
    volumePrefix: `${project}-${stack}-emqx`,
    labels,
});

// 3. Proof: the deploy only succeeds once an MQTT message makes the round trip and the dashboard takes the login.
const check = new PostDeployCheck("post-deploy-check", {
    url: endpoints.mqttUrl,
    timeoutSeconds: settings.checkTimeoutSeconds,
    brokerId: broker.container.id,
    dashboardUrl: endpoints.dashboardUrl,
    dashboardUsername: settings.dashboardUsername,
    dashboardPassword: settings.dashboardPassword,
    containerName: broker.containerName,
});

// 4. Outputs.
export const mqttUrl = endpoints.mqttUrl;
export const mqttsUrl = endpoints.mqttsUrl;
export const wsUrl = endpoints.wsUrl;
export const wssUrl = endpoints.wssUrl;
export const dashboardUrl = endpoints.dashboardUrl;
export const containerName = broker.containerName;
export const containerIp = broker.containerIp;
export const networkName = network.name;
export const subnet = network.subnet;
export const volumes = broker.volumeNames;
export const roundTripMs = check.roundTripMs;
export const checkedAt = check.checkedAt;
