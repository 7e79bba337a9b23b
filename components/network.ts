import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** Inputs of the broker's Docker network. */
export interface NetworkArgs {
    /** Docker network name (the seed's `ai4e_net`). */
    name: pulumi.Input<string>;
    /** IPAM subnet in CIDR form; Docker gives the first host address to the gateway. */
    subnet: pulumi.Input<string>;
    /** Docker labels put on the network. */
    labels: pulumi.Input<{ label: string; value: string }[]>;
    /** An attachable overlay network across a Swarm's hosts, instead of one engine's bridge. */
    overlay?: boolean;
}

/** A user-defined bridge network with a fixed subnet, so the broker can keep a fixed IP; on Swarm, an attachable overlay network across the hosts. */
export class Network extends pulumi.ComponentResource {
    /** The Docker network name, resolved once the network exists. */
    readonly name: pulumi.Output<string>;
    /** The subnet, as Docker reports it. */
    readonly subnet: pulumi.Output<string>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("emqx:index:Network", name, {}, opts);
        const network = new docker.Network(
            name,
            { name: args.name, driver: args.overlay ? "overlay" : "bridge", attachable: args.overlay || undefined, ipamConfigs: [{ subnet: args.subnet }], labels: args.labels },
            // Every network input forces replacement, and a fixed name cannot exist twice.
            { parent: this, deleteBeforeReplace: true },
        );
        this.name = network.name;
        this.subnet = network.ipamConfigs.apply((configs) => configs?.[0]?.subnet ?? "");
        this.registerOutputs({ name: this.name, subnet: this.subnet });
    }
}
