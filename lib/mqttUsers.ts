/**
 * MQTT accounts in EMQX's built-in database, made to match the stack configuration through the
 * REST API (EMQX 5.1.4 has no bootstrap file for them). Plain TypeScript, no Pulumi.
 */
import { fetchFailure } from "./dashboardCheck";
import type { MqttUser } from "./settings";

/** Where the API is and what it should end up holding. */
export interface UserSyncOptions {
    /** Dashboard base URL, e.g. http://127.0.0.1:18083. */
    url: string;
    /** Bearer token from `POST /api/v5/login`. */
    token: string;
    /** Accounts that must exist with exactly these passwords. */
    users: MqttUser[];
    /** Accounts this stack created before and no longer wants. */
    removed: string[];
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

/**
 * Creates each account, or sets its password when it exists (409), so running it twice changes
 * nothing; deletes the removed ones (404 means already gone). Throws one line naming the account.
 */
export async function syncMqttUsers(options: UserSyncOptions): Promise<UserSyncResult> {
    const result: UserSyncResult = { created: [], updated: [], deleted: [] };
    const call = async (method: string, path: string, body: object | undefined, user: string, accept: number[]) => {
        let response: Response;
        let text: string;
        try {
            response = await fetch(`${options.url}${path}`, {
                method,
                headers: { authorization: `Bearer ${options.token}`, "content-type": "application/json" },
                body: body && JSON.stringify(body),
                signal: AbortSignal.timeout(options.requestMs),
            });
            text = await response.text();
        } catch (err) {
            throw new Error(`${method} ${path} for MQTT user ${user} failed: ${fetchFailure(err)}`);
        }
        if (response.status === 404 && text.includes("Authenticator")) {
            throw new Error(`EMQX has no password_based:built_in_database authenticator, so MQTT user ${user} cannot be stored (HTTP 404 ${text.slice(0, 120)})`);
        }
        if (!accept.includes(response.status)) {
            throw new Error(`${method} ${path} for MQTT user ${user} answered HTTP ${response.status} ${text.slice(0, 120)}`);
        }
        return response.status;
    };
    for (const user of options.users) {
        const userPath = `${usersPath}/${encodeURIComponent(user.username)}`;
        const created = await call("POST", usersPath, { user_id: user.username, password: user.password }, user.username, [201, 409]);
        if (created === 201) {
            result.created.push(user.username);
        } else {
            await call("PUT", userPath, { password: user.password }, user.username, [200]);
            result.updated.push(user.username);
        }
    }
    for (const username of options.removed) {
        if ((await call("DELETE", `${usersPath}/${encodeURIComponent(username)}`, undefined, username, [204, 404])) === 204) {
            result.deleted.push(username);
        }
    }
    return result;
}
