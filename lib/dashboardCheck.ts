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
function fetchFailure(err: unknown): string {
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

/** Resolves when both hold; throws an Error with one line a person can act on otherwise. */
export async function checkDashboard(options: DashboardCheckOptions): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    let problem = await getStatus(options.url, options.timeoutMs);
    for (let polls = 1; problem && Date.now() < deadline && polls < 100_000; polls++) {
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        const answer = await getStatus(options.url, Math.max(1, deadline - Date.now()));
        // A request cut off by the deadline says less than the answer before it.
        problem = answer === "no answer" ? problem : answer;
    }
    if (problem) {
        throw new Error(`dashboard ${options.url}/status did not report "is running" within ${options.timeoutMs / 1000} s, last answer ${problem}`);
    }
    let response: Response;
    try {
        response = await fetch(`${options.url}/api/v5/login`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ username: options.username, password: options.password }),
            signal: AbortSignal.timeout(Math.max(1000, deadline - Date.now())),
        });
        await response.text();
    } catch (err) {
        throw new Error(`dashboard login request to ${options.url}/api/v5/login failed: ${fetchFailure(err)}`);
    }
    if (response.status === 401) {
        throw new Error(
            `dashboard login as ${options.username} was refused (HTTP 401). EMQX applies emqx:dashboardPassword only on the first boot ` +
                `of a data volume, so this volume keeps an older password. Set it with \`docker exec ${options.containerName} emqx ctl admins passwd ` +
                `${options.username} <new password>\`, or deploy onto a fresh data volume.`,
        );
    }
    if (response.status !== 200) {
        throw new Error(`dashboard login as ${options.username} failed: HTTP ${response.status}`);
    }
}
