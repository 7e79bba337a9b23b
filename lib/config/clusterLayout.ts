/**
 * Where each node of an EMQX cluster lives: node 1 is the single broker of every other stack (its
 * name, IP, ports and volumes unchanged), node k its numbered sibling. Every node seeds from node 1
 * alone, so growing the cluster leaves the running nodes' settings as they were. Plain TypeScript.
 */
import { formatIpv4, parseIpv4 } from "./ipv4";
import type { PortBinding } from "./types";

/** One node's place. */
export interface ClusterNode {
    /** 1-based. */
    index: number;
    containerName: string;
    containerIp: string;
    /** EMQX node name, name@host; the host is its network alias. */
    nodeName: string;
    /** Host ports: all five listeners for node 1; MQTT and the dashboard, each shifted by k−1, for node k. */
    ports: PortBinding[];
    /** Appended to the deployment's name for the node's resources and volumes ("" for node 1, so a single broker's names stay). */
    suffix: string;
}

/** The listeners every node publishes; node 1 publishes them all. */
const everyNode = new Set(["mqttPort", "dashboardPort"]);

/** The node name of node k: the host's first label numbered (emqx@broker.x → emqx@broker2.x), or the next IP. */
function numberedNodeName(nodeName: string, index: number): string {
    const [name, host] = nodeName.split("@");
    const ip = parseIpv4(host);
    if (ip !== undefined) return `${name}@${formatIpv4(ip + index - 1)}`;
    const dot = host.indexOf(".");
    return `${name}@${host.slice(0, dot)}${index}${host.slice(dot)}`;
}

/**
 * The nodes of a cluster of `nodes` (1 is a single broker). Host ports shift by k−1 while nodes
 * share a host; Swarm nodes on hosts of their own (`shiftPorts` false) keep node 1's.
 */
export function clusterLayout(settings: { nodes: number; containerName: string; containerIp: string; nodeName: string; ports: PortBinding[]; shiftPorts?: boolean }): ClusterNode[] {
    const shift = settings.shiftPorts === false ? () => 0 : (i: number) => i;
    return Array.from({ length: settings.nodes }, (_, i) => {
        const index = i + 1;
        if (index === 1) {
            return { index, containerName: settings.containerName, containerIp: settings.containerIp, nodeName: settings.nodeName, ports: settings.ports, suffix: "" };
        }
        return {
            index,
            containerName: `${settings.containerName}_${index}`,
            containerIp: formatIpv4(parseIpv4(settings.containerIp)! + i),
            nodeName: numberedNodeName(settings.nodeName, index),
            ports: settings.ports.filter((p) => everyNode.has(p.key)).map((p) => ({ ...p, hostPort: p.hostPort + shift(i) })),
            suffix: `-node${index}`,
        };
    });
}
