/**
 * Dashboard proof after deploy: EMQX's REST API answers `GET /status` with "is running", and the
 * configured administrator can log in (`POST /api/v5/login`). Plain TypeScript, no Pulumi.
 */
import { emqxApi, login, waitUntilRunning } from "../emqx/api";

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

/** Resolves to a REST API token when both hold; throws an Error with one line a person can act on otherwise. */
export async function checkDashboard(options: DashboardCheckOptions): Promise<string> {
    const api = emqxApi(options.url, Date.now() + options.timeoutMs);
    await waitUntilRunning(api, options.timeoutMs);
    return login(api, options);
}
