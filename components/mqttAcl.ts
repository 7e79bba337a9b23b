import * as pulumi from "@pulumi/pulumi";
import { type AclRule, emqxRules } from "../lib/emqx/acl";
import { readAcl, syncAcl } from "../lib/emqx/aclSync";
import { type ApiLoginArgs, type Owned, ownedProvider } from "./ownedByStack";

/** Inputs of the MQTT authorization rules resource. */
export interface MqttAclArgs extends ApiLoginArgs {
    /** The rules, in configuration order (per username, and for all clients). */
    rules: pulumi.Input<AclRule[]>;
}

type AclInputs = pulumi.Unwrap<MqttAclArgs>;
/** State: the inputs (after a refresh, `rules` as EMQX holds them) and the client ids that have rules of their own. */
type AclState = AclInputs & { clientIds: string[] };

/** Rules in a form that does not depend on the order EMQX lists usernames in: by username, each in its own order. */
function canonical(rules: AclRule[]): string {
    const { users, all } = emqxRules(rules);
    return JSON.stringify([[...users].sort(([a], [b]) => a.localeCompare(b)), all]);
}

/** Serialized into the engine's dynamic-provider host: plain functions and node_modules only. */
const authorization: Owned<AclInputs, AclState> = {
    id: "mqtt-acl",
    what: "MQTT authorization rules",
    async sync(access, inputs) {
        const result = await syncAcl({ ...access, rules: inputs.rules });
        const deleted = result.deleted.length > 0 ? `, deleted those of ${result.deleted.join(", ")}` : "";
        console.log(`MQTT authorization rules: set for ${result.users.join(", ") || "no account"}, ${result.all} for every client${deleted}`);
        return { ...inputs, clientIds: [] };
    },
    async observe(access, state) {
        const stored = await readAcl(access);
        return { ...state, rules: stored.rules, clientIds: stored.clientIds };
    },
    differs: (olds, news) => (olds.clientIds ?? []).length > 0 || canonical(olds.rules) !== canonical(news.rules),
};

/**
 * Who may publish and subscribe where: the stack's rules in EMQX's built-in database authorization
 * source, set through the REST API whenever the configuration or the container changes; rules it
 * does not list are deleted. `pulumi refresh` sees rules changed behind its back, and the next `up`
 * puts them back.
 */
export class MqttAcl extends pulumi.dynamic.Resource {
    constructor(name: string, args: MqttAclArgs, opts?: pulumi.CustomResourceOptions) {
        super(ownedProvider(authorization), name, { ...args, clientIds: undefined }, { ...opts, additionalSecretOutputs: ["dashboardPassword"] }, "emqx", "MqttAcl");
    }
}
