/** Where clients, the dashboard and the post-deploy check reach the broker from the Docker host. */
import type { PortBinding } from "./settings";

/** The URLs a deployment exports. */
export interface Endpoints {
    mqttUrl: string;
    mqttsUrl: string;
    wsUrl: string;
    wssUrl: string;
    dashboardUrl: string;
}

/** A port published on every interface is dialled on loopback; one bound to an address, on that address. */
function reachableHost(bindAddress: string): string {
    return bindAddress === "0.0.0.0" ? "127.0.0.1" : bindAddress;
}

/** The URL of the listener `key` among `ports`; `overrideHost` (emqx:checkHost) wins when not empty. */
export function listenerUrl(ports: PortBinding[], overrideHost: string, key: string, scheme: string, path = ""): string {
    const port = ports.find((p) => p.key === key);
    if (!port) throw new Error(`no published port for ${key}`);
    const host = overrideHost || reachableHost(port.hostIp);
    const hostText = host.includes(":") ? `[${host}]` : host;
    return `${scheme}://${hostText}:${port.hostPort}${path}`;
}

/** Builds the URLs from the published ports; `overrideHost` (emqx:checkHost) wins when not empty. */
export function endpointsFor(ports: PortBinding[], overrideHost: string): Endpoints {
    const url = (key: string, scheme: string, path = "") => listenerUrl(ports, overrideHost, key, scheme, path);
    return {
        mqttUrl: url("mqttPort", "mqtt"),
        mqttsUrl: url("mqttsPort", "mqtts"),
        wsUrl: url("wsPort", "ws", "/mqtt"),
        wssUrl: url("wssPort", "wss", "/mqtt"),
        dashboardUrl: url("dashboardPort", "http"),
    };
}
