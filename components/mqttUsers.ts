import * as pulumi from "@pulumi/pulumi";
import type { MqttUser } from "../lib/config/settings";
import { listMqttUsers, syncMqttUsers } from "../lib/emqx/accounts";
import { type ApiLoginArgs, type Owned, ownedProvider } from "./ownedByStack";

/** Inputs of the MQTT accounts resource. */
export interface MqttUsersArgs extends ApiLoginArgs {
    /** Accounts that must exist in EMQX's built-in database (passwords are secrets). */
    users: pulumi.Input<MqttUser[]>;
}

type UsersInputs = pulumi.Unwrap<MqttUsersArgs>;
/** State: the inputs, the account names, and the accounts EMQX holds that the stack does not list (after a refresh). */
type UsersState = UsersInputs & { usernames: string[]; unlisted: string[] };

/** Serialized into the engine's dynamic-provider host: plain functions and node_modules only. */
const accounts: Owned<UsersInputs, UsersState> = {
    id: "mqtt-users",
    what: "MQTT users",
    async sync(access, inputs) {
        const result = await syncMqttUsers({ ...access, users: inputs.users });
        const deleted = result.deleted.length > 0 ? ` (${result.deleted.join(", ")})` : "";
        console.log(`MQTT users: created ${result.created.length}, updated ${result.updated.length}, deleted ${result.deleted.length}${deleted}`);
        return { ...inputs, usernames: inputs.users.map((u) => u.username), unlisted: [] };
    },
    // A listed account deleted elsewhere drops out of `users`; an account made elsewhere shows in `unlisted`.
    async observe(access, state) {
        const existing = await listMqttUsers(access);
        const configured = new Set(state.users.map((u) => u.username));
        return { ...state, users: state.users.filter((u) => existing.includes(u.username)), unlisted: existing.filter((name) => !configured.has(name)) };
    },
    differs: (olds, news) => (olds.unlisted ?? []).length > 0 || JSON.stringify(olds.users) !== JSON.stringify(news.users),
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
        super(ownedProvider(accounts), name, { ...args, usernames: undefined, unlisted: undefined }, { ...opts, additionalSecretOutputs: ["users", "dashboardPassword"] }, "emqx", "MqttUsers");
    }
}
