/**
 * The dashboard administrator's password, kept equal to emqx:dashboardPassword through EMQX's own
 * API while the broker runs: EMQX reads its default password only on the first boot of a data
 * volume, and a container replaced just to change it would drop every MQTT client. Plain TypeScript.
 */
import { type EmqxApi, emqxApi, jsonField, loginRefused, requestToken, waitUntilRunning } from "./api";

/** Where the dashboard is, whom to log in as, and which passwords the volume may still hold. */
export interface DashboardPasswordOptions {
    /** Base URL, e.g. http://127.0.0.1:18083. */
    url: string;
    /** Administrator user name. */
    username: string;
    /** The password the administrator must end up with. */
    password: string;
    /** Passwords this stack set before (the last deployed one, the first-boot one), tried in order. */
    earlierPasswords: string[];
    /** Container name, for the fix a refused login suggests. */
    containerName: string;
    /** Overall deadline in ms while the API starts. */
    timeoutMs: number;
}

/**
 * `POST /api/v5/users/{username}/change_pwd` (EMQX 5.1: 204; 400 with a reason when refused).
 * Resolves once the password is `newPassword`: a request sent again after its first answer was
 * lost meets ERROR_PWD_NOT_MATCH, and then a login with the new password tells whether it took.
 */
async function changePassword(api: EmqxApi, token: string, username: string, oldPassword: string, newPassword: string): Promise<void> {
    const path = `/api/v5/users/${encodeURIComponent(username)}/change_pwd`;
    const answer = await api.request("POST", path, { token, body: { old_pwd: oldPassword, new_pwd: newPassword } }).catch((err: Error) => {
        throw new Error(`changing the dashboard password of ${username} failed: ${err.message}`);
    });
    if (answer.status === 204) return;
    if (jsonField(answer.text, "code") === "ERROR_PWD_NOT_MATCH" && (await requestToken(api, username, newPassword)) !== undefined) return;
    throw new Error(`EMQX refused to change the dashboard password of ${username} to emqx:dashboardPassword: HTTP ${answer.status} ${answer.text.trim().slice(0, 120)}`);
}

/**
 * Logs in with the configured password; when EMQX refuses it, logs in with an earlier one and
 * changes it. Resolves to whether it changed the password; throws one line a person can act on.
 */
export async function ensureDashboardPassword(options: DashboardPasswordOptions): Promise<{ changed: boolean }> {
    const api = emqxApi(options.url, Date.now() + options.timeoutMs);
    await waitUntilRunning(api, options.timeoutMs);
    if ((await requestToken(api, options.username, options.password)) !== undefined) {
        return { changed: false };
    }
    const earlier = [...new Set(options.earlierPasswords)].filter((password) => password !== options.password);
    for (const oldPassword of earlier) {
        const token = await requestToken(api, options.username, oldPassword);
        if (token === undefined) continue;
        await changePassword(api, token, options.username, oldPassword, options.password);
        return { changed: true };
    }
    throw loginRefused(options.username, options.containerName);
}
