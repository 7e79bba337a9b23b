import * as pulumi from "@pulumi/pulumi";
import { checkDashboard } from "../lib/dashboardCheck";
import { checkMqtt } from "../lib/mqttCheck";

/** Inputs of the post-deploy check. */
export interface PostDeployCheckArgs {
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
    /** Dashboard base URL, e.g. http://127.0.0.1:18083. */
    dashboardUrl: pulumi.Input<string>;
    /** Dashboard administrator to log in as. */
    dashboardUsername: pulumi.Input<string>;
    /** That administrator's password (a secret). */
    dashboardPassword: pulumi.Input<string>;
    /** Container name, named in the fix a failed dashboard login suggests. */
    containerName: pulumi.Input<string>;
}

interface CheckInputs {
    url: string;
    timeoutSeconds: number;
    brokerId: string;
    username?: string;
    password?: string;
    dashboardUrl: string;
    dashboardUsername: string;
    dashboardPassword: string;
    containerName: string;
}

const watchedInputs: (keyof CheckInputs)[] = [
    "url", "timeoutSeconds", "brokerId", "username", "password", "dashboardUrl", "dashboardUsername", "dashboardPassword", "containerName",
];

async function runCheck(inputs: CheckInputs): Promise<CheckInputs & { roundTripMs: number; checkedAt: string }> {
    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    let roundTripMs: number;
    try {
        const result = await checkMqtt({
            url: inputs.url,
            username: inputs.username,
            password: inputs.password,
            timeoutMs: inputs.timeoutSeconds * 1000,
            // The engine shows a provider's output lines as progress under the resource.
            onProgress: (line) => console.log(line),
        });
        roundTripMs = result.roundTripMs;
    } catch (err) {
        throw new Error(`post-deploy MQTT check of ${inputs.url} failed: ${(err as Error).message}`);
    }
    try {
        await checkDashboard({
            url: inputs.dashboardUrl,
            username: inputs.dashboardUsername,
            password: inputs.dashboardPassword,
            containerName: inputs.containerName,
            timeoutMs: Math.max(1000, deadline - Date.now()),
        });
    } catch (err) {
        throw new Error(`post-deploy dashboard check failed: ${(err as Error).message}`);
    }
    return { ...inputs, roundTripMs, checkedAt: new Date().toISOString() };
}

/**
 * Runs in the engine's dynamic-provider host, serialized with everything it references: keep it
 * to plain functions and modules from node_modules (captured as require calls).
 */
const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: CheckInputs) {
        const outs = await runCheck(inputs);
        return { id: `post-deploy-check-${outs.checkedAt}`, outs };
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
 * subscribe and get its own message back, and that the dashboard runs and takes the configured
 * login. Its failure fails `pulumi up`; nothing runs in preview.
 */
export class PostDeployCheck extends pulumi.dynamic.Resource {
    /** Publish-to-delivery time of the check's message, in ms. */
    declare readonly roundTripMs: pulumi.Output<number>;
    /** When the check last passed (ISO 8601). */
    declare readonly checkedAt: pulumi.Output<string>;

    constructor(name: string, args: PostDeployCheckArgs, opts?: pulumi.CustomResourceOptions) {
        const secretOutputs = ["password", "dashboardPassword"];
        super(provider, name, { ...args, roundTripMs: undefined, checkedAt: undefined }, { ...opts, additionalSecretOutputs: secretOutputs });
    }
}
