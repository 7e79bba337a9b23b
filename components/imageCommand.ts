import * as pulumi from "@pulumi/pulumi";
import type { CliEngine } from "../lib/docker/cli";
import { imageCommand } from "../lib/swarm/service";
import { declareServed, type ServedType } from "./servedResource";

/** Inputs of an image's own entrypoint and command, as the engine that runs it has them. */
export interface ImageCommandArgs {
    /** The image reference, once the engine has pulled it. */
    image: pulumi.Input<string>;
    /** The engine (a Swarm manager; "" for the local default). */
    dockerHost: string;
    /** Client TLS material for a tcp:// engine, its key a secret. */
    tls: pulumi.Input<CliEngine["tls"] | undefined>;
}

type Inputs = pulumi.Unwrap<ImageCommandArgs>;

/** Serialized into the engine's dynamic-provider host (or called by the package's provider): plain functions and node_modules only. */
const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: Inputs) {
        return { id: inputs.image, outs: { ...inputs, command: await imageCommand(inputs.image, inputs) } };
    },
    async diff(_id: string, olds: Inputs, news: Inputs) {
        return { changes: olds.image !== news.image || olds.dockerHost !== news.dockerHost || JSON.stringify(olds.tls) !== JSON.stringify(news.tls) };
    },
    async update(_id: string, _olds: Inputs, news: Inputs) {
        return { outs: { ...news, command: await imageCommand(news.image, news) } };
    },
};

/** The reading's lifecycle, served by the dynamic-provider host or by the package's provider. */
export const imageCommandType: ServedType = { type: "ImageCommand", provider };

/**
 * An image's entrypoint and command, read with `docker image inspect` when the image is new or
 * changed, inside `up`: never while the program is evaluated, and never in a preview, so a
 * preview needs neither the docker CLI nor the manager, and an unchanged image is read once.
 */
export function declareImageCommand(name: string, args: ImageCommandArgs, opts: pulumi.CustomResourceOptions): pulumi.Output<string[]> {
    const reading = declareServed(imageCommandType, name, { ...args, command: undefined }, { ...opts, additionalSecretOutputs: ["tls"] });
    return (reading as unknown as { command: pulumi.Output<string[]> }).command;
}
