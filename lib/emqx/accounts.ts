/**
 * MQTT accounts in EMQX's built-in database, made to match the stack configuration through the
 * REST API (EMQX 5.1.4 has no bootstrap file for them). The stack owns that database: an account it
 * does not list is deleted, whoever made it and whenever (an earlier deploy on a kept volume, the
 * dashboard). Plain TypeScript, no Pulumi.
 */
import type { MqttUser } from "../config/types";
import type { EmqxApi } from "./api";

/** Where the API is and what it should end up holding. */
export interface UserSyncOptions {
    /** The API, with the deadline of the whole sync. */
    api: EmqxApi;
    /** Bearer token from `POST /api/v5/login`. */
    token: string;
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
const pageSize = 100;
/** 1,000 pages of 100: far more accounts than a stack configures, and a bound on the listing loop. */
const maxPages = 1000;

/** One REST call; `subject` names what it is for in an error: "MQTT user NAME" or "the MQTT user list". */
async function call(access: Pick<UserSyncOptions, "api" | "token">, method: string, path: string, body: object | undefined, subject: string, accept: number[]) {
    const answer = await access.api.request(method, path, { token: access.token, body }).catch((err: Error) => {
        throw new Error(`${method} ${path} for ${subject} failed: ${err.message}`);
    });
    if (answer.status === 404 && answer.text.includes("Authenticator")) {
        throw new Error(`EMQX has no password_based:built_in_database authenticator, so MQTT accounts cannot be stored (HTTP 404 ${answer.text.slice(0, 120)})`);
    }
    if (!accept.includes(answer.status)) {
        throw new Error(`${method} ${path} for ${subject} answered HTTP ${answer.status} ${answer.text.slice(0, 120)}`);
    }
    return answer;
}

/** Every account in the built-in database, page by page. */
export async function listMqttUsers(access: Pick<UserSyncOptions, "api" | "token">): Promise<string[]> {
    const existing: string[] = [];
    for (let page = 1; page <= maxPages; page++) {
        const { text } = await call(access, "GET", `${usersPath}?page=${page}&limit=${pageSize}`, undefined, "the MQTT user list", [200]);
        const { data, meta } = JSON.parse(text) as { data: { user_id: string }[]; meta: { hasnext?: boolean } };
        existing.push(...data.map((entry) => entry.user_id));
        if (data.length < pageSize || meta.hasnext === false) break;
    }
    return existing;
}

/**
 * Creates each account, or sets its password when it exists (409), so running it twice changes
 * nothing; deletes every other account (404 means already gone). Throws one line naming the account.
 */
export async function syncMqttUsers(options: UserSyncOptions): Promise<UserSyncResult> {
    const result: UserSyncResult = { created: [], updated: [], deleted: [] };
    const existing = await listMqttUsers(options);
    for (const user of options.users) {
        const userPath = `${usersPath}/${encodeURIComponent(user.username)}`;
        const { status } = await call(options, "POST", usersPath, { user_id: user.username, password: user.password }, `MQTT user ${user.username}`, [201, 409]);
        if (status === 201) {
            result.created.push(user.username);
        } else {
            await call(options, "PUT", userPath, { password: user.password }, `MQTT user ${user.username}`, [200]);
            result.updated.push(user.username);
        }
    }
    const wanted = new Set(options.users.map((user) => user.username));
    for (const username of existing.filter((name) => !wanted.has(name))) {
        if ((await call(options, "DELETE", `${usersPath}/${encodeURIComponent(username)}`, undefined, `MQTT user ${username}`, [204, 404])).status === 204) {
            result.deleted.push(username);
        }
    }
    return result;
}
