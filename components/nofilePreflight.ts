import * as pulumi from "@pulumi/pulumi";
import { dockerSocketPath, probeNofileLimit } from "../lib/dockerEngine";

/** Inputs of the open-file limit preflight. */
export interface NofilePreflightArgs {
    /** Image id the broker runs; the probe container runs it too. */
    image: pulumi.Input<string>;
    /** The open-file limit (soft and hard) the broker will ask for. */
    nofileLimit: pulumi.Input<number>;
    /** Docker labels for the throwaway probe container. */
    labels: pulumi.Input<Record<string, string>>;
}

type PreflightInputs = pulumi.Unwrap<NofilePreflightArgs>;

async function probe(inputs: PreflightInputs): Promise<PreflightInputs> {
    const socketPath = dockerSocketPath();
    if (socketPath === undefined) {
        console.log(`emqx:nofileLimit ${inputs.nofileLimit} not probed: DOCKER_HOST is not a unix socket`);
        return inputs;
    }
    const { granted, detail } = await probeNofileLimit(socketPath, inputs.image, inputs.nofileLimit, inputs.labels);
    if (!granted) {
        throw new Error(
            `emqx:nofileLimit is ${inputs.nofileLimit}, more open files than the Docker daemon may give a container here ` +
                `(its own limit is lower; Docker said: ${detail.split("\n")[0].slice(0, 160)}). ` +
                "Lower it with `pulumi config set nofileLimit <n>` (0 keeps Docker's default), or raise the daemon's LimitNOFILE.",
        );
    }
    return inputs;
}

/** Runs in the engine's dynamic-provider host: plain functions and node modules only. */
const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: PreflightInputs) {
        return { id: `nofile-${inputs.nofileLimit}`, outs: await probe(inputs) };
    },
    async diff(_id: string, olds: PreflightInputs, news: PreflightInputs) {
        return { changes: olds.image !== news.image || olds.nofileLimit !== news.nofileLimit };
    },
    async update(_id: string, _olds: PreflightInputs, news: PreflightInputs) {
        return { outs: await probe(news) };
    },
};

/**
 * Proves, before the broker container is created, that the Docker daemon grants the open-file
 * limit it asks for: a throwaway container with that limit must start. Otherwise `pulumi up` stops
 * with a line naming emqx:nofileLimit instead of runc's "error setting rlimit".
 */
export class NofilePreflight extends pulumi.dynamic.Resource {
    constructor(name: string, args: NofilePreflightArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts, "emqx", "NofilePreflight");
    }
}
