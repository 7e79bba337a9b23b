import * as pulumi from "@pulumi/pulumi";
import { ensureDashboardPassword } from "../lib/dashboardPassword";

/** Inputs of the dashboard administrator's password. */
export interface DashboardPasswordArgs {
    /** Dashboard base URL, e.g. http://127.0.0.1:18083. */
    dashboardUrl: pulumi.Input<string>;
    /** Dashboard administrator. */
    username: pulumi.Input<string>;
    /** The password it must have (a secret). */
    password: pulumi.Input<string>;
    /** The password its data volume got on first boot (a secret). */
    firstBootPassword: pulumi.Input<string>;
    /** The broker container's id: a new container may come with a volume that holds another password. */
    containerId: pulumi.Input<string>;
    /** Container name, named in the fix a refused login suggests. */
    containerName: pulumi.Input<string>;
    /** How long to wait for a booting broker's API, in seconds. */
    timeoutSeconds: pulumi.Input<number>;
}

type PasswordInputs = pulumi.Unwrap<DashboardPasswordArgs>;

async function apply(inputs: PasswordInputs, previousPassword: string | undefined): Promise<PasswordInputs> {
    const { changed } = await ensureDashboardPassword({
        url: inputs.dashboardUrl,
        username: inputs.username,
        password: inputs.password,
        earlierPasswords: [previousPassword, inputs.firstBootPassword].filter((p): p is string => p !== undefined),
        containerName: inputs.containerName,
        timeoutMs: inputs.timeoutSeconds * 1000,
    });
    if (changed) console.log(`dashboard password of ${inputs.username} changed to emqx:dashboardPassword`);
    return inputs;
}

/** Runs in the engine's dynamic-provider host: plain functions and node modules only. */
const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: PasswordInputs) {
        return { id: `dashboard-admin-${inputs.username}`, outs: await apply(inputs, undefined) };
    },
    async diff(_id: string, olds: PasswordInputs, news: PasswordInputs) {
        const changed = (Object.keys(news) as (keyof PasswordInputs)[]).filter((key) => olds[key] !== news[key]);
        return { changes: changed.length > 0, replaces: changed.includes("username") ? ["username"] : [] };
    },
    async update(_id: string, olds: PasswordInputs, news: PasswordInputs) {
        return { outs: await apply(news, olds.password) };
    },
};

/**
 * The dashboard administrator's password, made equal to emqx:dashboardPassword through EMQX's API
 * on every deploy that changes it or the container: EMQX reads its configured password only on a
 * data volume's first boot, so a changed one is set with the password the stack set before, and
 * the broker keeps running.
 */
export class DashboardPassword extends pulumi.dynamic.Resource {
    constructor(name: string, args: DashboardPasswordArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, { ...opts, additionalSecretOutputs: ["password", "firstBootPassword"] }, "emqx", "DashboardPassword");
    }
}
