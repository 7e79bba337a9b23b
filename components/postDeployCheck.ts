import * as pulumi from "@pulumi/pulumi";
import { checkDashboard } from "../lib/dashboardCheck";
import { checkAnonymousRefused, checkMqtt } from "../lib/mqttCheck";

/** Inputs of the post-deploy check. */
export interface PostDeployCheckArgs {
    /** URL the check dials, e.g. mqtt://127.0.0.1:1883. */
    url: pulumi.Input<string>;
    /** How long to wait for a booting broker, in seconds. */
    timeoutSeconds: pulumi.Input<number>;
    /** The broker container's id: a new container means a new check. */
    containerId: pulumi.Input<string>;
    /** MQTT user name, when anonymous clients are refused. */
    username?: pulumi.Input<string>;
    /** MQTT password (a secret). */
    password?: pulumi.Input<string>;
    /** Also prove that a client without credentials is refused. */
    refuseAnonymous: pulumi.Input<boolean>;
    /** mqtts:// URL to prove a round trip over TLS on, verifying the broker's own certificate; omit to skip. */
    tlsUrl?: pulumi.Input<string>;
    /** PEM CA that signed the broker's certificate; omit to trust the system's CAs. */
    tlsCa?: pulumi.Input<string>;
    /** Name the broker's certificate must carry, when it differs from the URL's host. */
    tlsServerName?: pulumi.Input<string>;
    /** Dashboard base URL, e.g. http://127.0.0.1:18083. */
    dashboardUrl: pulumi.Input<string>;
    /** Dashboard administrator to log in as. */
    dashboardUsername: pulumi.Input<string>;
    /** That administrator's password (a secret). */
    dashboardPassword: pulumi.Input<string>;
    /** Container name, named in the fix a failed dashboard login suggests. */
    containerName: pulumi.Input<string>;
}

type CheckInputs = pulumi.Unwrap<PostDeployCheckArgs>;

const watchedInputs: (keyof CheckInputs)[] = [
    "url", "timeoutSeconds", "containerId", "username", "password", "refuseAnonymous", "tlsUrl", "tlsCa", "tlsServerName",
    "dashboardUrl", "dashboardUsername", "dashboardPassword", "containerName",
];

async function runCheck(inputs: CheckInputs): Promise<CheckInputs & { roundTripMs: number; checkedAt: string }> {
    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    const remainingMs = () => Math.max(1000, deadline - Date.now());
    const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
        try {
            return await run();
        } catch (err) {
            throw new Error(`post-deploy ${what} failed: ${(err as Error).message}`);
        }
    };
    const roundTrip = (url: string, tls: boolean) =>
        checkMqtt({
            url,
            username: inputs.username,
            password: inputs.password,
            ca: tls ? inputs.tlsCa : undefined,
            servername: tls ? inputs.tlsServerName : undefined,
            timeoutMs: remainingMs(),
            // The engine shows a provider's output lines as progress under the resource.
            onProgress: (line) => console.log(line),
        });
    const { roundTripMs } = await step(`MQTT check of ${inputs.url}`, () => roundTrip(inputs.url, false));
    if (inputs.refuseAnonymous) {
        await step(`anonymous-client check of ${inputs.url}`, () => checkAnonymousRefused({ url: inputs.url }, Math.min(10_000, remainingMs())));
    }
    if (inputs.tlsUrl) {
        await step(`MQTT check of ${inputs.tlsUrl}`, () => roundTrip(inputs.tlsUrl!, true));
    }
    await step("dashboard check", () =>
        checkDashboard({
            url: inputs.dashboardUrl,
            username: inputs.dashboardUsername,
            password: inputs.dashboardPassword,
            containerName: inputs.containerName,
            timeoutMs: remainingMs(),
        }),
    );
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
 * subscribe and get its own message back (over TCP, and over TLS with the broker's own
 * certificate when it has one), that an anonymous client is refused when accounts are configured,
 * and that the dashboard runs and takes the configured login. Its failure fails `pulumi up`; nothing runs in preview.
 */
export class PostDeployCheck extends pulumi.dynamic.Resource {
    /** Publish-to-delivery time of the check's message, in ms. */
    declare readonly roundTripMs: pulumi.Output<number>;
    /** When the check last passed (ISO 8601). */
    declare readonly checkedAt: pulumi.Output<string>;

    constructor(name: string, args: PostDeployCheckArgs, opts?: pulumi.CustomResourceOptions) {
        const secretOutputs = ["password", "dashboardPassword"];
        super(provider, name, { ...args, roundTripMs: undefined, checkedAt: undefined }, { ...opts, additionalSecretOutputs: secretOutputs }, "emqx", "PostDeployCheck");
    }
}
