/**
 * MQTT accounts in EMQX's built-in database, made to match the stack configuration through the
 * REST API (EMQX 5.1.4 has no bootstrap file for them). The stack owns that database: an account it
 * does not list is deleted, whoever made it and whenever (an earlier deploy on a kept volume, the
 * dashboard). Plain TypeScript, no Pulumi.
 */
import { fetchFailure } from "../check/dashboard";
import type { MqttUser } from "../config/settings";

/** Where the API is and what it should end up holding. */
export interface UserSyncOptions {
    /** Dashboard base URL, e.g. http://127.0.0.1:18083. */
    url: string;
    /** Bearer token from `POST /api/v5/login`. */
    token: string;
    /** Accounts that must exist with exactly these passwords; every other account is deleted. */
    users: MqttUser[];
    /** Per-request deadline in ms. */
    requestMs: number;
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

/** Where the REST API is and how to authenticate, with a per-request deadline in ms. */
type ApiAccess = Pick<UserSyncOptions, "url" | "token" | "requestMs">;

/** One REST call; `subject` names what it is for in an error: "MQTT user NAME" or "the MQTT user list". */
async function call(api: ApiAccess, method: string, path: string, body: object | undefined, subject: string, accept: number[]) {
    let response: Response;
    let text: string;
    try {
        response = await fetch(`${api.url}${path}`, {
            method,
            headers: { authorization: `Bearer ${api.token}`, "content-type": "application/json" },
            body: body && JSON.stringify(body),
            signal: AbortSignal.timeout(api.requestMs),
        });
        text = await response.text();
    } catch (err) {
        throw new Error(`${method} ${path} for ${subject} failed: ${fetchFailure(err)}`);
    }
    if (response.status === 404 && text.includes("Authenticator")) {
        throw new Error(`EMQX has no password_based:built_in_database authenticator, so MQTT accounts cannot be stored (HTTP 404 ${text.slice(0, 120)})`);
    }
    if (!accept.includes(response.status)) {
        throw new Error(`${method} ${path} for ${subject} answered HTTP ${response.status} ${text.slice(0, 120)}`);
    }
    return { status: response.status, text };
}

/** Every account in the built-in database, page by page. */
export async function listMqttUsers(api: ApiAccess): Promise<string[]> {
    const existing: string[] = [];
    for (let page = 1; page <= maxPages; page++) {
        const { text } = await call(api, "GET", `${usersPath}?page=${page}&limit=${pageSize}`, undefined, "the MQTT user list", [200]);
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
