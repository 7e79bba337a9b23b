/**
 * The dashboard administrator's password, kept equal to emqx:dashboardPassword through EMQX's own
 * API while the broker runs: EMQX reads its default password only on the first boot of a data
 * volume, and a container replaced just to change it would drop every MQTT client. Plain TypeScript.
 */
import { fetchFailure, loginRefused, requestToken, waitUntilRunning } from "../check/dashboard";

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

/** `POST /api/v5/users/{username}/change_pwd` (EMQX 5.1: 204; 400 with a reason when refused). */
async function changePassword(url: string, token: string, username: string, oldPassword: string, newPassword: string, requestMs: number): Promise<void> {
    const path = `/api/v5/users/${encodeURIComponent(username)}/change_pwd`;
    let response: Response;
    let body: string;
    try {
        response = await fetch(`${url}${path}`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify({ old_pwd: oldPassword, new_pwd: newPassword }),
            signal: AbortSignal.timeout(requestMs),
        });
        body = await response.text();
    } catch (err) {
        throw new Error(`changing the dashboard password of ${username} failed: ${fetchFailure(err)}`);
    }
    if (response.status !== 204) {
        throw new Error(`EMQX refused to change the dashboard password of ${username} to emqx:dashboardPassword: HTTP ${response.status} ${body.trim().slice(0, 120)}`);
    }
}

/**
 * Logs in with the configured password; when EMQX refuses it, logs in with an earlier one and
 * changes it. Resolves to whether it changed the password; throws one line a person can act on.
 */
export async function ensureDashboardPassword(options: DashboardPasswordOptions): Promise<{ changed: boolean }> {
    const deadline = Date.now() + options.timeoutMs;
    const requestMs = () => Math.max(1000, deadline - Date.now());
    await waitUntilRunning(options.url, options.timeoutMs);
    if ((await requestToken(options.url, options.username, options.password, requestMs())) !== undefined) {
        return { changed: false };
    }
    const earlier = [...new Set(options.earlierPasswords)].filter((password) => password !== options.password);
    for (const oldPassword of earlier) {
        const token = await requestToken(options.url, options.username, oldPassword, requestMs());
        if (token === undefined) continue;
        await changePassword(options.url, token, options.username, oldPassword, options.password, requestMs());
        return { changed: true };
    }
    throw loginRefused(options.username, options.containerName);
}
