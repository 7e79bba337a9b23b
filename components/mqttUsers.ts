import * as pulumi from "@pulumi/pulumi";
import type { MqttUser } from "../lib/config/settings";
import { listMqttUsers, syncMqttUsers } from "../lib/emqx/accounts";
import { type ApiLoginArgs, type Owned, ownedProvider } from "./ownedByStack";
import { declareServed, type ServedType } from "./servedResource";

/** Inputs of the MQTT accounts resource. */
export interface MqttUsersArgs extends ApiLoginArgs {
    /** Accounts that must exist in EMQX's built-in database (passwords are secrets). */
    users: pulumi.Input<MqttUser[]>;
}

type UsersInputs = pulumi.Unwrap<MqttUsersArgs>;
/** State: the inputs, the account names, and the accounts EMQX holds that the stack does not list (after a refresh). */
type UsersState = UsersInputs & { usernames: string[]; unlisted: string[] };

/** Serialized into the engine's dynamic-provider host (or called by the package's provider): plain functions and node_modules only. */
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

/** The accounts' lifecycle, served by the dynamic-provider host or by the package's provider. */
export const mqttUsersType: ServedType = { type: "MqttUsers", provider: ownedProvider(accounts) };

/**
 * The deployment's MQTT accounts in EMQX's built-in database, created or reset through the REST
 * API whenever the arguments or the container change; every account not listed is deleted.
 * `pulumi refresh` sees accounts deleted or added behind its back, and the next `up` repairs
 * them. Its passwords stay secret in state.
 */
export function declareMqttUsers(name: string, args: MqttUsersArgs, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    return declareServed(mqttUsersType, name, { ...args, usernames: undefined, unlisted: undefined }, { ...opts, additionalSecretOutputs: ["users", "dashboardPassword"] });
}
