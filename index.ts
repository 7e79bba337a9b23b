import { Deployment } from "./components/deployment";
import { configKey, loadStackConfig } from "./lib/config/loadStackSettings";

// 1. Configuration: validated in full before any resource is declared (problems name `emqx:KEY`).
const config = loadStackConfig();

// 2. The deployment: network, broker or cluster, dashboard password, accounts, rules, and the
// post-deploy check that proves an MQTT round trip inside `pulumi up`. Its resources were this
// stack's own before the component existed, so aliases keep them; its warnings name config keys.
const emqx = new Deployment("emqx", config, { childrenWereStackResources: true, argumentLabel: configKey });

// 3. Outputs: every one is always present (null when its feature is off), so `pulumi stack output
// KEY` and stack references work on every stack.
const orNull = <T>(value: T | undefined) => value ?? null;
export const mqttUrl = emqx.mqttUrl;
export const mqttsUrl = emqx.mqttsUrl;
export const wsUrl = emqx.wsUrl;
export const wssUrl = emqx.wssUrl;
export const dashboardUrl = emqx.dashboardUrl;
/** EMQX's Prometheus text (no login needed): connections, messages, and the rest of its metrics. */
export const metricsUrl = emqx.metricsUrl;
export const dashboardUsername = emqx.dashboardUsername;
export const containerName = emqx.containerName;
/** Node 1's fixed IP on the bridge network; null on Swarm, whose tasks get none. */
export const containerIp = emqx.containerIp.apply(orNull);
export const networkName = emqx.networkName;
export const subnet = emqx.subnet;
export const volumes = emqx.volumes;
/** Every node: name, container (or service), IP and URLs (one entry for a single broker). */
export const clusterNodes = emqx.clusterNodes.apply((nodes) => nodes.map((node) => ({ ...node, containerIp: orNull(node.containerIp) })));
export const mqttUsernames = emqx.mqttUsernames;
export const tlsCertificateExpiresAt = emqx.tlsCertificateExpiresAt.apply(orNull);
// What a client needs to verify the broker's own certificate (public data): `npm run check -- --tls` reads them.
export const tlsCaCertificate = emqx.tlsCaCertificate.apply(orNull);
export const tlsServerName = emqx.tlsServerName.apply(orNull);
