/**
 * MQTT accounts in EMQX's built-in database, made to match the stack configuration through the
 * REST API (EMQX 5.1.4 has no bootstrap file for them). The stack owns that database: an account it
 * does not list is deleted, whoever made it and whenever (an earlier deploy on a kept volume, the
 * dashboard). Plain TypeScript, no Pulumi.
 */
import type { MqttUser } from "../config/types";
import { type ApiAccess, call, listPages } from "./api";

/** Where the API is and what it should end up holding. */
export interface UserSyncOptions extends ApiAccess {
    /** Accounts that must exist with exactly these passwords; every other account is deleted. */
    users: MqttUser[];
}

/** What a sync did, by user name. */
export interface UserSyncResult {
    created: string[];
    updated: string[];
    deleted: string[];
}

const usersPath = "/api/v5/authentication/password_based:built_in_database/users";
const missing = "EMQX has no password_based:built_in_database authenticator, so MQTT accounts cannot be stored";

/** Every account in the built-in database, page by page. */
export async function listMqttUsers(access: ApiAccess): Promise<string[]> {
    const users = await listPages<{ user_id: string }>(access, usersPath, { subject: "the MQTT user list", missing });
    return users.map((entry) => entry.user_id);
}

/**
 * Creates each account, or sets its password when it exists (409), so running it twice changes
 * nothing; deletes every other account (404 means already gone). Throws one line naming the account.
 */
export async function syncMqttUsers(options: UserSyncOptions): Promise<UserSyncResult> {
    const result: UserSyncResult = { created: [], updated: [], deleted: [] };
    const existing = await listMqttUsers(options);
    for (const user of options.users) {
        const subject = `MQTT user ${user.username}`;
        const { status } = await call(options, "POST", usersPath, { body: { user_id: user.username, password: user.password }, subject, accept: [201, 409] });
        if (status === 201) {
            result.created.push(user.username);
        } else {
            await call(options, "PUT", `${usersPath}/${encodeURIComponent(user.username)}`, { body: { password: user.password }, subject, accept: [200] });
            result.updated.push(user.username);
        }
    }
    const wanted = new Set(options.users.map((user) => user.username));
    for (const username of existing.filter((name) => !wanted.has(name))) {
        const { status } = await call(options, "DELETE", `${usersPath}/${encodeURIComponent(username)}`, { subject: `MQTT user ${username}`, accept: [204, 404] });
        if (status === 204) result.deleted.push(username);
    }
    return result;
}
