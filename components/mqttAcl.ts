import * as pulumi from "@pulumi/pulumi";
import { type AclRule, emqxRules } from "../lib/emqx/acl";
import { readAcl, syncAcl } from "../lib/emqx/aclSync";
import { type ApiLoginArgs, type Owned, ownedProvider } from "./ownedByStack";
import { declareServed, type ServedType } from "./servedResource";

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

/** Serialized into the engine's dynamic-provider host (or called by the package's provider): plain functions and node_modules only. */
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

/** The rules' lifecycle, served by the dynamic-provider host or by the package's provider. */
export const mqttAclType: ServedType = { type: "MqttAcl", provider: ownedProvider(authorization) };

/**
 * Who may publish and subscribe where: the deployment's rules in EMQX's built-in database
 * authorization source, set through the REST API whenever the arguments or the container change;
 * rules it does not list are deleted. `pulumi refresh` sees rules changed behind its back, and the
 * next `up` puts them back.
 */
export function declareMqttAcl(name: string, args: MqttAclArgs, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    return declareServed(mqttAclType, name, { ...args, clientIds: undefined }, { ...opts, additionalSecretOutputs: ["dashboardPassword"] });
}
