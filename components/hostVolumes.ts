import * as pulumi from "@pulumi/pulumi";
import { type CliEngine, dockerCli } from "../lib/docker/cli";
import { declareServed, type ServedType } from "./servedResource";

/** Inputs of a Swarm node's volumes on its own host. */
export interface HostVolumesArgs {
    /** The host's own Docker engine (unix://, tcp:// or ssh://). */
    dockerHost: pulumi.Input<string>;
    /** Client TLS material for a tcp:// engine, its key a secret. */
    tls: pulumi.Input<CliEngine["tls"] | undefined>;
    /** The volumes' names (the node's data and log). */
    names: pulumi.Input<string[]>;
    /** Docker labels put on them. */
    labels: pulumi.Input<Record<string, string>>;
}

type Inputs = pulumi.Unwrap<HostVolumesArgs>;

/** How long a volume whose task is still stopping (in use) is tried again before its removal fails. */
const removalTries = 60;

/** Serialized into the engine's dynamic-provider host (or called by the package's provider): plain functions and node_modules only. */
const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: Inputs) {
        const labels = Object.entries(inputs.labels).flatMap(([key, value]) => ["--label", `${key}=${value}`]);
        for (const name of inputs.names) await dockerCli(inputs, ["volume", "create", ...labels, name]);
        return { id: `${inputs.dockerHost}/${inputs.names.join(",")}`, outs: inputs };
    },
    async diff(_id: string, olds: Inputs, news: Inputs) {
        const replaces = olds.dockerHost !== news.dockerHost || JSON.stringify(olds.names) !== JSON.stringify(news.names) ? ["names"] : [];
        return { changes: replaces.length > 0 || JSON.stringify(olds.tls) !== JSON.stringify(news.tls), replaces, deleteBeforeReplace: true };
    },
    async update(_id: string, _olds: Inputs, news: Inputs) {
        return { outs: news };
    },
    // Swarm removes a deleted service's container on its host a moment later: a volume still in use is tried again.
    async delete(_id: string, olds: Inputs) {
        for (const name of olds.names) {
            for (let attempt = 1; ; attempt++) {
                try {
                    await dockerCli(olds, ["volume", "rm", name]);
                    break;
                } catch (err) {
                    const message = (err as Error).message;
                    if (/no such volume/i.test(message)) break;
                    if (!/in use/i.test(message) || attempt >= removalTries) throw err;
                    await new Promise((resolve) => setTimeout(resolve, 1000));
                }
            }
        }
    },
};

/** The volumes' lifecycle, served by the dynamic-provider host or by the package's provider. */
export const hostVolumesType: ServedType = { type: "HostVolumes", provider };

/**
 * A Swarm node's data and log volumes, made and removed through its own host's engine with the
 * docker CLI. Only these operations reach that engine: a host that is down stops no `up` that
 * leaves its volumes alone (a provider for its engine would fail every `up` when it cannot connect).
 */
export function declareHostVolumes(name: string, args: HostVolumesArgs, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    return declareServed(hostVolumesType, name, args, { ...opts, additionalSecretOutputs: ["tls"] });
}
