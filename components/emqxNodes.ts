import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterNode } from "../lib/config/clusterLayout";
import type { StackSettings } from "../lib/config/loadStackSettings";
import { Broker } from "./broker";
import type { EmqxNodeArgs, NodeReadinessArgs } from "./emqxNode";
import { SwarmNode } from "./swarmNode";

/** What the rest of the stack needs of a node, whichever engine runs it. */
export interface DeployedNode {
    /** Changes whenever the node's container (or task) is replaced. */
    readonly workloadId: pulumi.Output<string>;
    readonly containerName: pulumi.Output<string>;
    readonly volumeNames: pulumi.Output<string[]>;
    readonly firstBootPassword: pulumi.Output<string>;
    readonly ready: pulumi.Resource | undefined;
}

/** The provider for every Docker resource when `dockerHost` names an engine; none (the default provider) when it is empty, so such stacks keep their URNs. */
export function engineProvider(settings: StackSettings, name: string, opts: pulumi.CustomResourceOptions): docker.Provider | undefined {
    if (!settings.dockerHost) return undefined;
    const tls = settings.dockerTls && { caMaterial: settings.dockerTls.caCertificate, certMaterial: settings.dockerTls.certificate, keyMaterial: settings.dockerTls.key };
    return new docker.Provider(name, { host: settings.dockerHost, ...tls }, opts);
}

/**
 * One node per `layout` entry: a container on the Docker engine, or a service pinned to its host
 * on Swarm. Each node's change waits for the one before it to serve again (`rollAfter`), so a
 * rolling change keeps N-1 nodes up. Node k is named `name` plus its suffix (`emqx`,
 * `emqx-node2`…), so a single broker's state is the same as ever.
 */
export function declareNodes(
    name: string,
    settings: StackSettings,
    layout: ClusterNode[],
    shared: Omit<EmqxNodeArgs, keyof ClusterNode | "nodeNumber" | "clusterSeeds" | "readiness" | "rollAfter">,
    readiness: (node: ClusterNode) => NodeReadinessArgs | undefined,
    opts: (resourceName: string) => pulumi.ComponentResourceOptions,
): DeployedNode[] {
    const nodes: (Broker | SwarmNode)[] = [];
    for (const node of layout) {
        const args = {
            ...shared,
            ...node,
            volumePrefix: `${shared.volumePrefix}${node.suffix}`,
            nodeNumber: node.index,
            clusterSeeds: layout.length > 1 ? [layout[0].nodeName] : undefined,
            readiness: readiness(node),
            rollAfter: nodes[nodes.length - 1]?.ready,
        };
        const resourceName = `${name}${node.suffix}`;
        nodes.push(
            settings.engine === "swarm"
                ? new SwarmNode(resourceName, { ...args, host: settings.swarmHosts[node.index - 1], dockerHost: settings.dockerHost, dockerTls: settings.dockerTls }, opts(resourceName))
                : new Broker(resourceName, { ...args, nofileLimit: settings.nofileLimit, noNewPrivileges: settings.noNewPrivileges, dockerHost: settings.dockerHost }, opts(resourceName)),
        );
    }
    return nodes;
}
