import * as pulumi from "@pulumi/pulumi";
import { checkDashboard } from "../lib/dashboardCheck";
import { syncMqttUsers } from "../lib/mqttUsers";
import type { MqttUser } from "../lib/settings";

/** Inputs of the MQTT accounts resource. */
export interface MqttUsersArgs {
    /** Accounts that must exist in EMQX's built-in database (passwords are secrets). */
    users: pulumi.Input<MqttUser[]>;
    /** The broker container's id: a new container may come with an empty data volume. */
    containerId: pulumi.Input<string>;
    /** Dashboard base URL, e.g. http://127.0.0.1:18083. */
    dashboardUrl: pulumi.Input<string>;
    /** Dashboard administrator the REST API is used as. */
    dashboardUsername: pulumi.Input<string>;
    /** That administrator's password (a secret). */
    dashboardPassword: pulumi.Input<string>;
    /** Container name, named in the fix a failed login suggests. */
    containerName: pulumi.Input<string>;
    /** How long to wait for a booting broker's API, in seconds. */
    timeoutSeconds: pulumi.Input<number>;
}

type UsersInputs = pulumi.Unwrap<MqttUsersArgs>;

async function sync(inputs: UsersInputs): Promise<UsersInputs & { usernames: string[] }> {
    const token = await checkDashboard({
        url: inputs.dashboardUrl,
        username: inputs.dashboardUsername,
        password: inputs.dashboardPassword,
        containerName: inputs.containerName,
        timeoutMs: inputs.timeoutSeconds * 1000,
    }).catch((err: Error) => {
        throw new Error(`cannot store MQTT users: ${err.message}`);
    });
    const result = await syncMqttUsers({ url: inputs.dashboardUrl, token, users: inputs.users, requestMs: 10_000 });
    const deleted = result.deleted.length > 0 ? ` (${result.deleted.join(", ")})` : "";
    console.log(`MQTT users: created ${result.created.length}, updated ${result.updated.length}, deleted ${result.deleted.length}${deleted}`);
    return { ...inputs, usernames: inputs.users.map((u) => u.username) };
}

/** Serialized into the engine's dynamic-provider host: plain functions and node_modules only. */
const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: UsersInputs) {
        return { id: "mqtt-users", outs: await sync(inputs) };
    },
    async diff(_id: string, olds: UsersInputs, news: UsersInputs) {
        const keys: (keyof UsersInputs)[] = ["containerId", "dashboardUrl", "dashboardUsername", "dashboardPassword"];
        return { changes: keys.some((key) => olds[key] !== news[key]) || JSON.stringify(olds.users) !== JSON.stringify(news.users) };
    },
    async update(_id: string, _olds: UsersInputs, news: UsersInputs) {
        return { outs: await sync(news) };
    },
    // Nothing to undo: the accounts live in the data volume, which outlives the stack when kept; the
    // next deploy on that volume deletes the ones it no longer lists.
    async delete() {},
};

/**
 * The stack's MQTT accounts in EMQX's built-in database, created or reset through the REST API
 * whenever the configuration or the container changes; every account the configuration does not
 * list is deleted. Its passwords stay secret in state.
 */
export class MqttUsers extends pulumi.dynamic.Resource {
    /** The account names, for people and for the check. */
    declare readonly usernames: pulumi.Output<string[]>;

    constructor(name: string, args: MqttUsersArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { ...args, usernames: undefined }, { ...opts, additionalSecretOutputs: ["users", "dashboardPassword"] }, "emqx", "MqttUsers");
    }
}
