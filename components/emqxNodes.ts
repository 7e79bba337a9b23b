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

/** The provider options that point every Docker resource at emqx:dockerHost; none (the default provider) when it is empty, so such stacks keep their URNs. */
export function engineOptions(settings: StackSettings): pulumi.ComponentResourceOptions {
    if (!settings.dockerHost) return {};
    const tls = settings.dockerTls && { caMaterial: settings.dockerTls.caCertificate, certMaterial: settings.dockerTls.certificate, keyMaterial: settings.dockerTls.key };
    return { providers: [new docker.Provider("docker-host", { host: settings.dockerHost, ...tls })] };
}

/**
 * One node per `layout` entry: a container on the Docker engine, or a service pinned to its host
 * on Swarm. Each node's change waits for the one before it to serve again (`rollAfter`), so a
 * rolling change keeps N-1 nodes up. Node resources keep the names they always had (`emqx`,
 * `emqx-node2`…), so a single broker's state is the same as ever.
 */
export function declareNodes(
    settings: StackSettings,
    layout: ClusterNode[],
    shared: Omit<EmqxNodeArgs, keyof ClusterNode | "nodeNumber" | "clusterSeeds" | "readiness" | "rollAfter">,
    readiness: (node: ClusterNode) => NodeReadinessArgs | undefined,
    opts: pulumi.ComponentResourceOptions,
): DeployedNode[] {
    const nodes: (Broker | SwarmNode)[] = [];
    for (const node of layout) {
        const args = {
            ...shared,
            ...node,
            volumePrefix: `${shared.volumePrefix}${node.volumeSuffix}`,
            nodeNumber: node.index,
            clusterSeeds: layout.length > 1 ? [layout[0].nodeName] : undefined,
            readiness: readiness(node),
            rollAfter: nodes[nodes.length - 1]?.ready,
        };
        nodes.push(
            settings.engine === "swarm"
                ? new SwarmNode(node.resourceName, { ...args, host: settings.swarmHosts[node.index - 1], dockerHost: settings.dockerHost, dockerTls: settings.dockerTls }, opts)
                : new Broker(node.resourceName, { ...args, nofileLimit: settings.nofileLimit, noNewPrivileges: settings.noNewPrivileges, dockerHost: settings.dockerHost }, opts),
        );
    }
    return nodes;
}
