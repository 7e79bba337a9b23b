/**
 * Dashboard proof after deploy: EMQX's REST API answers `GET /status` with "is running", and the
 * configured administrator can log in (`POST /api/v5/login`). Plain TypeScript, no Pulumi.
 */

/** Where the dashboard is and whom to log in as. */
export interface DashboardCheckOptions {
    /** Base URL, e.g. http://127.0.0.1:18083. */
    url: string;
    /** Administrator user name. */
    username: string;
    /** Administrator password. */
    password: string;
    /** Container name, for the fix the failure message suggests. */
    containerName: string;
    /** Overall deadline in ms while the API starts (it answers 503 until then). */
    timeoutMs: number;
}

const pollMs = 100;

/** fetch wraps socket errors: "fetch failed" with the useful code (ECONNREFUSED…) in `cause`. */
export function fetchFailure(err: unknown): string {
    return (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
}

async function getStatus(url: string, requestMs: number): Promise<string> {
    try {
        const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(requestMs) });
        const body = await response.text();
        return response.status === 200 && body.includes("is running") ? "" : `HTTP ${response.status} ${body.trim().slice(0, 80)}`;
    } catch (err) {
        return (err as Error).name === "TimeoutError" ? "no answer" : fetchFailure(err);
    }
}

function jsonField(body: string, field: string): unknown {
    try {
        return (JSON.parse(body) as Record<string, unknown>)[field];
    } catch {
        return undefined;
    }
}

/** Resolves once `GET /status` says "is running"; throws with the last answer at the deadline. */
export async function waitUntilRunning(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let problem = await getStatus(url, timeoutMs);
    for (let polls = 1; problem && Date.now() < deadline && polls < 100_000; polls++) {
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        const answer = await getStatus(url, Math.max(1, deadline - Date.now()));
        // A request cut off by the deadline says less than the answer before it.
        problem = answer === "no answer" ? problem : answer;
    }
    if (problem) {
        throw new Error(`dashboard ${url}/status did not report "is running" within ${timeoutMs / 1000} s, last answer ${problem}`);
    }
}

/** `POST /api/v5/login`: the bearer token, or undefined when EMQX refuses the password (401). */
export async function requestToken(url: string, username: string, password: string, requestMs: number): Promise<string | undefined> {
    let response: Response;
    let body: string;
    try {
        response = await fetch(`${url}/api/v5/login`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ username, password }),
            signal: AbortSignal.timeout(requestMs),
        });
        body = await response.text();
    } catch (err) {
        throw new Error(`dashboard login request to ${url}/api/v5/login failed: ${fetchFailure(err)}`);
    }
    if (response.status === 401) return undefined;
    const token = response.status === 200 ? jsonField(body, "token") : undefined;
    if (typeof token !== "string") {
        throw new Error(`dashboard login as ${username} failed: HTTP ${response.status}`);
    }
    return token;
}

/** Why a login was refused, and the fix: the password on the data volume was set outside this stack. */
export function loginRefused(username: string, containerName: string): Error {
    return new Error(
        `dashboard login as ${username} was refused (HTTP 401) with emqx:dashboardPassword and with every password this stack set before, ` +
            `so the data volume keeps a password set outside the stack. Set it with \`docker exec ${containerName} emqx ctl admins passwd ` +
            `${username} <emqx:dashboardPassword>\`, or deploy onto a fresh data volume.`,
    );
}

/** Logs in as the administrator and returns the bearer token for the REST API. */
export async function login(options: Omit<DashboardCheckOptions, "timeoutMs">, requestMs: number): Promise<string> {
    const token = await requestToken(options.url, options.username, options.password, requestMs);
    if (token === undefined) throw loginRefused(options.username, options.containerName);
    return token;
}

/** Resolves to a REST API token when both hold; throws an Error with one line a person can act on otherwise. */
export async function checkDashboard(options: DashboardCheckOptions): Promise<string> {
    const deadline = Date.now() + options.timeoutMs;
    await waitUntilRunning(options.url, options.timeoutMs);
    return login(options, Math.max(1000, deadline - Date.now()));
}
