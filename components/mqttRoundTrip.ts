import * as pulumi from "@pulumi/pulumi";
import { checkMqtt } from "../lib/mqttCheck";

/** Inputs of the post-deploy check. */
export interface MqttRoundTripArgs {
    /** URL the check dials, e.g. mqtt://127.0.0.1:1883. */
    url: pulumi.Input<string>;
    /** How long to wait for a booting broker, in seconds. */
    timeoutSeconds: pulumi.Input<number>;
    /** The broker container's id: a new container means a new check. */
    brokerId: pulumi.Input<string>;
    /** MQTT user name, when anonymous clients are refused. */
    username?: pulumi.Input<string>;
    /** MQTT password (a secret). */
    password?: pulumi.Input<string>;
}

interface CheckInputs {
    url: string;
    timeoutSeconds: number;
    brokerId: string;
    username?: string;
    password?: string;
}

const watchedInputs: (keyof CheckInputs)[] = ["url", "timeoutSeconds", "brokerId", "username", "password"];

async function runCheck(inputs: CheckInputs): Promise<CheckInputs & { roundTripMs: number; checkedAt: string }> {
    try {
        const result = await checkMqtt({
            url: inputs.url,
            username: inputs.username,
            password: inputs.password,
            timeoutMs: inputs.timeoutSeconds * 1000,
            // The engine shows a provider's output lines as progress under the resource.
            onProgress: (line) => console.log(line),
        });
        return { ...inputs, roundTripMs: result.roundTripMs, checkedAt: new Date().toISOString() };
    } catch (err) {
        throw new Error(`post-deploy MQTT check of ${inputs.url} failed: ${(err as Error).message}`);
    }
}

/**
 * Runs in the engine's dynamic-provider host, serialized with everything it references: keep it
 * to plain functions and modules from node_modules (captured as require calls).
 */
const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: CheckInputs) {
        const outs = await runCheck(inputs);
        return { id: `mqtt-round-trip-${outs.checkedAt}`, outs };
    },
    async diff(_id: string, olds: CheckInputs, news: CheckInputs) {
        return { changes: watchedInputs.some((key) => olds[key] !== news[key]) };
    },
    async update(_id: string, _olds: CheckInputs, news: CheckInputs) {
        return { outs: await runCheck(news) };
    },
};

/**
 * Proves, on every deploy that creates or changes the broker, that an MQTT client can connect,
 * subscribe and get its own message back. Its failure fails `pulumi up`; nothing runs in preview.
 */
export class MqttRoundTrip extends pulumi.dynamic.Resource {
    /** Publish-to-delivery time of the check's message, in ms. */
    declare readonly roundTripMs: pulumi.Output<number>;
    /** When the check last passed (ISO 8601). */
    declare readonly checkedAt: pulumi.Output<string>;

    constructor(name: string, args: MqttRoundTripArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { ...args, roundTripMs: undefined, checkedAt: undefined }, { ...opts, additionalSecretOutputs: ["password"] });
    }
}
