/**
 * The stack's MQTT authorization rules in EMQX's built-in database source, made to match the
 * configuration through the REST API (paths and payloads of emqx_authz_api_mnesia, EMQX 5.1.4).
 * The stack owns that source: rules for a username it does not list, and every rule by client id,
 * are deleted, whoever made them. Plain TypeScript, no Pulumi.
 */
import { type AclRule, type EmqxRule, emqxRules } from "./acl";
import { type ApiAccess, call, listPages } from "./api";

const rulesPath = "/api/v5/authorization/sources/built_in_database/rules";
const missing = "EMQX has no built_in_database authorization source, so the stack's MQTT authorization rules cannot be stored";

/** What EMQX's built-in database source holds. */
export interface StoredAcl {
    /** Every rule, in the stack's shape: each username's, then those for all clients. */
    rules: AclRule[];
    /** Client ids that have rules of their own (the stack sets none). */
    clientIds: string[];
}

/** What a sync did. */
export interface AclSyncResult {
    /** Usernames whose rules were set. */
    users: string[];
    /** How many rules for every client were set. */
    all: number;
    /** Usernames and client ids whose rules were deleted. */
    deleted: string[];
}

const asStackRule = (rule: EmqxRule, username?: string): AclRule => ({
    ...(username === undefined ? {} : { username }),
    permission: rule.permission as AclRule["permission"],
    action: rule.action as AclRule["action"],
    topic: rule.topic,
});

/** Reads every rule of the built-in database source, page by page. */
export async function readAcl(access: ApiAccess): Promise<StoredAcl> {
    const users = await listPages<{ username: string; rules: EmqxRule[] }>(access, `${rulesPath}/users`, { subject: "the authorization rules by username", missing });
    const clients = await listPages<{ clientid: string }>(access, `${rulesPath}/clients`, { subject: "the authorization rules by client id", missing });
    const all = JSON.parse((await call(access, "GET", `${rulesPath}/all`, { subject: "the authorization rules for all", accept: [200], missing })).text) as { rules: EmqxRule[] };
    return {
        rules: [...users.flatMap((entry) => entry.rules.map((rule) => asStackRule(rule, entry.username))), ...all.rules.map((rule) => asStackRule(rule))],
        clientIds: clients.map((entry) => entry.clientid),
    };
}

/**
 * Sets each username's rules (PUT replaces them, so running it twice changes nothing) and the rules
 * for all clients (POST replaces the set; DELETE empties it); deletes the rules of every username
 * and client id the configuration does not name. Throws one line naming what failed.
 */
export async function syncAcl(access: ApiAccess & { rules: AclRule[] }): Promise<AclSyncResult> {
    const stored = await readAcl(access);
    const { users, all } = emqxRules(access.rules);
    const result: AclSyncResult = { users: [...users.keys()], all: all.length, deleted: [] };
    for (const [username, rules] of users) {
        await call(access, "PUT", `${rulesPath}/users/${encodeURIComponent(username)}`, { body: { username, rules }, subject: `the rules of ${username}`, accept: [204] });
    }
    if (all.length > 0) {
        await call(access, "POST", `${rulesPath}/all`, { body: { rules: all }, subject: "the rules for all clients", accept: [204] });
    } else if (stored.rules.some((rule) => rule.username === undefined)) {
        await call(access, "DELETE", `${rulesPath}/all`, { subject: "the rules for all clients", accept: [204] });
    }
    const storedUsers = new Set(stored.rules.flatMap((rule) => (rule.username === undefined ? [] : [rule.username])));
    for (const username of [...storedUsers].filter((name) => !users.has(name))) {
        await call(access, "DELETE", `${rulesPath}/users/${encodeURIComponent(username)}`, { subject: `the rules of ${username}`, accept: [204, 404] });
        result.deleted.push(username);
    }
    for (const clientId of stored.clientIds) {
        await call(access, "DELETE", `${rulesPath}/clients/${encodeURIComponent(clientId)}`, { subject: `the rules of client ${clientId}`, accept: [204, 404] });
        result.deleted.push(`client ${clientId}`);
    }
    return result;
}
