/** Where clients, the dashboard and the post-deploy check reach a node from where the stack is deployed. */
import { dockerHostAddress, type EngineSettings } from "./engine";
import type { PortBinding } from "./settings";

/** The URLs a deployment exports. */
export interface Endpoints {
    mqttUrl: string;
    mqttsUrl: string;
    wsUrl: string;
    wssUrl: string;
    dashboardUrl: string;
}

/** How a node is dialled: emqx:checkHost when set, else its engine's host for ports published on every interface. */
export interface Dial {
    checkHost: string;
    /** 127.0.0.1 for the local engine; a tcp:// or ssh:// engine's host; a Swarm node's host address. */
    engineHost: string;
}

/** How node `index` (1-based) of the stack is dialled. */
export function dialFor(settings: Pick<EngineSettings, "engine" | "dockerHost" | "swarmHosts"> & { checkHost: string }, index: number): Dial {
    const engineHost = settings.engine === "swarm" ? settings.swarmHosts[index - 1].address : (dockerHostAddress(settings.dockerHost) ?? "127.0.0.1");
    return { checkHost: settings.checkHost, engineHost };
}

/** The URL of the listener `key` among `ports`: a port on every interface is dialled at the engine's host, one bound to an address at that address. */
export function listenerUrl(ports: PortBinding[], dial: Dial, key: string, scheme: string, path = ""): string {
    const port = ports.find((p) => p.key === key);
    if (!port) throw new Error(`no published port for ${key}`);
    const host = dial.checkHost || (port.hostIp === "0.0.0.0" ? dial.engineHost : port.hostIp);
    const hostText = host.includes(":") ? `[${host}]` : host;
    return `${scheme}://${hostText}:${port.hostPort}${path}`;
}

/** Builds the URLs from the published ports. */
export function endpointsFor(ports: PortBinding[], dial: Dial): Endpoints {
    const url = (key: string, scheme: string, path = "") => listenerUrl(ports, dial, key, scheme, path);
    return {
        mqttUrl: url("mqttPort", "mqtt"),
        mqttsUrl: url("mqttsPort", "mqtts"),
        wsUrl: url("wsPort", "ws", "/mqtt"),
        wssUrl: url("wssPort", "wss", "/mqtt"),
        dashboardUrl: url("dashboardPort", "http"),
    };
}
