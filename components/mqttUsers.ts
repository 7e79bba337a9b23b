import * as pulumi from "@pulumi/pulumi";
import { checkDashboard } from "../lib/check/dashboard";
import { emqxApi } from "../lib/emqx/api";
import { listMqttUsers, syncMqttUsers } from "../lib/emqx/accounts";
import type { MqttUser } from "../lib/config/settings";

/** Inputs of the MQTT accounts resource. */
export interface MqttUsersArgs {
    /** Accounts that must exist in EMQX's built-in database (passwords are secrets). */
    users: pulumi.Input<MqttUser[]>;
    /** The broker containers' ids (every node's, comma-joined): a new container may come with an empty data volume. */
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
/** State: the inputs, the account names, and the accounts EMQX holds that the stack does not list (after a refresh). */
type UsersState = UsersInputs & { usernames: string[]; unlisted: string[] };

async function sync(inputs: UsersInputs): Promise<UsersState> {
    const token = await checkDashboard({
        url: inputs.dashboardUrl,
        username: inputs.dashboardUsername,
        password: inputs.dashboardPassword,
        containerName: inputs.containerName,
        timeoutMs: inputs.timeoutSeconds * 1000,
    }).catch((err: Error) => {
        throw new Error(`cannot store MQTT users: ${err.message}`);
    });
    const result = await syncMqttUsers({ api: emqxApi(inputs.dashboardUrl, Date.now() + inputs.timeoutSeconds * 1000), token, users: inputs.users });
    const deleted = result.deleted.length > 0 ? ` (${result.deleted.join(", ")})` : "";
    console.log(`MQTT users: created ${result.created.length}, updated ${result.updated.length}, deleted ${result.deleted.length}${deleted}`);
    return { ...inputs, usernames: inputs.users.map((u) => u.username), unlisted: [] };
}

/**
 * What EMQX holds now, for `pulumi refresh`: a listed account deleted elsewhere drops out of
 * `users`, an account made elsewhere shows in `unlisted`, so the next `up` sees the drift and
 * repairs it. A broker that does not answer (a removed container) leaves the state as it was:
 * the new container's sync follows anyway.
 */
async function observe(id: string, state: UsersState): Promise<pulumi.dynamic.ReadResult> {
    let existing: string[];
    try {
        const login = { url: state.dashboardUrl, username: state.dashboardUsername, password: state.dashboardPassword, containerName: state.containerName };
        const token = await checkDashboard({ ...login, timeoutMs: 5000 });
        existing = await listMqttUsers({ api: emqxApi(state.dashboardUrl, Date.now() + 5000), token });
    } catch {
        return { id, props: state };
    }
    const configured = new Set(state.users.map((u) => u.username));
    return { id, props: { ...state, users: state.users.filter((u) => existing.includes(u.username)), unlisted: existing.filter((name) => !configured.has(name)) } };
}

/** Serialized into the engine's dynamic-provider host: plain functions and node_modules only. */
const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: UsersInputs) {
        return { id: "mqtt-users", outs: await sync(inputs) };
    },
    async diff(_id: string, olds: UsersState, news: UsersInputs) {
        const keys: (keyof UsersInputs)[] = ["containerId", "dashboardUrl", "dashboardUsername", "dashboardPassword"];
        const drifted = (olds.unlisted ?? []).length > 0;
        return { changes: drifted || keys.some((key) => olds[key] !== news[key]) || JSON.stringify(olds.users) !== JSON.stringify(news.users) };
    },
    read: observe,
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
 * list is deleted. `pulumi refresh` sees accounts deleted or added behind its back, and the next
 * `up` repairs them. Its passwords stay secret in state.
 */
export class MqttUsers extends pulumi.dynamic.Resource {
    /** The account names, for people and for the check. */
    declare readonly usernames: pulumi.Output<string[]>;

    constructor(name: string, args: MqttUsersArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { ...args, usernames: undefined, unlisted: undefined }, { ...opts, additionalSecretOutputs: ["users", "dashboardPassword"] }, "emqx", "MqttUsers");
    }
}
