/**
 * EMQX's REST API (the dashboard port, base /api/v5), the one place this stack talks HTTP to EMQX.
 * Every request is bounded: one that gets no answer is abandoned and sent again (retryWithin), as
 * is one refused at the socket or answered 502-504 by a node still starting, until the caller's
 * deadline. Any other answer goes back to the caller. Plain TypeScript, no Pulumi.
 */
import { defaultAttemptMs, final, retryWithin } from "../retryWithin";

/** An HTTP answer: its status and its body as text. */
export interface ApiAnswer {
    status: number;
    text: string;
}

/** How to send one request. */
export interface RequestOptions {
    /** JSON body. */
    body?: object;
    /** Bearer token from `POST /api/v5/login`. */
    token?: string;
    /** Says what is still wrong with an answer that a later one may mend (e.g. /status while starting), or undefined to accept it. */
    retryUnless?: (answer: ApiAnswer) => string | undefined;
}

/** One EMQX node's API, with the deadline that bounds every request made through it. */
export interface EmqxApi {
    /** Base URL, e.g. http://127.0.0.1:18083. */
    url: string;
    /** Time after which requests give up, as a `Date.now()` time. */
    deadline: number;
    /** Sends `method path` until it is answered, or rejects at the deadline with the last reason, e.g. "ECONNREFUSED" or "no answer within 3 s". */
    request(method: string, path: string, options?: RequestOptions): Promise<ApiAnswer>;
}

/** fetch wraps socket errors: "fetch failed" with the useful code (ECONNREFUSED…) in `cause`. */
function fetchFailure(err: unknown): string {
    return (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
}

/** Answers a node gives while it starts, or a proxy in front of it while nobody listens (502-504). */
function notYet(status: number): boolean {
    return status >= 502 && status <= 504;
}

/** A client for the API at `url` whose requests all end by `deadline` (a `Date.now()` time). */
export function emqxApi(url: string, deadline: number): EmqxApi {
    const base = url.replace(/\/+$/, "");
    const request = (method: string, path: string, options: RequestOptions = {}) =>
        retryWithin(async (signal) => {
            let answer: ApiAnswer;
            try {
                const headers: Record<string, string> = { "content-type": "application/json" };
                if (options.token) headers.authorization = `Bearer ${options.token}`;
                const response = await fetch(`${base}${path}`, { method, headers, body: options.body && JSON.stringify(options.body), signal });
                answer = { status: response.status, text: await response.text() };
            } catch (err) {
                if (!signal.aborted) throw new Error(fetchFailure(err));
                throw new Error(signal.reason === "attempt-timeout" ? `no answer within ${defaultAttemptMs / 1000} s` : "no answer");
            }
            if (notYet(answer.status)) throw new Error(`HTTP ${answer.status} ${answer.text.trim().slice(0, 80)}`);
            const problem = options.retryUnless?.(answer);
            if (problem) throw new Error(problem);
            return answer;
        }, { deadline });
    return { url: base, deadline, request };
}

/** The field of a JSON body, or undefined when the body is not JSON. */
export function jsonField(text: string, field: string): unknown {
    try {
        return (JSON.parse(text) as Record<string, unknown>)[field];
    } catch {
        return undefined;
    }
}

/** Node name to node_status ("running", "stopped") from the body of `GET /api/v5/nodes`. */
export function nodeStatuses(body: string): Map<string, string> {
    const nodes = JSON.parse(body) as { node: string; node_status: string }[];
    return new Map(nodes.map((n) => [n.node, n.node_status]));
}

/** Resolves once `GET /status` says "is running" (EMQX answers 503 while it starts); rejects with the last answer at the deadline. */
export async function waitUntilRunning(api: EmqxApi, timeoutMs: number): Promise<void> {
    const notRunning = (answer: ApiAnswer) => (answer.status === 200 && answer.text.includes("is running") ? undefined : `HTTP ${answer.status} ${answer.text.trim().slice(0, 80)}`);
    await api.request("GET", "/status", { retryUnless: notRunning }).catch((err: Error) => {
        throw new Error(`dashboard ${api.url}/status did not report "is running" within ${timeoutMs / 1000} s, last answer ${err.message}`);
    });
}

/** `POST /api/v5/login`: the bearer token, or undefined when EMQX refuses the password (401). */
export async function requestToken(api: EmqxApi, username: string, password: string): Promise<string | undefined> {
    const answer = await api.request("POST", "/api/v5/login", { body: { username, password } }).catch((err: Error) => {
        throw new Error(`dashboard login request to ${api.url}/api/v5/login failed: ${err.message}`);
    });
    if (answer.status === 401) return undefined;
    const token = answer.status === 200 ? jsonField(answer.text, "token") : undefined;
    if (typeof token !== "string") throw new Error(`dashboard login as ${username} failed: HTTP ${answer.status}`);
    return token;
}

/** Why a login was refused, and the fix: the password on the data volume was set outside this stack. */
export function loginRefused(username: string, containerName: string): Error {
    return final(
        new Error(
            `dashboard login as ${username} was refused (HTTP 401) with emqx:dashboardPassword and with every password this stack set before, ` +
                `so the data volume keeps a password set outside the stack. Set it with \`docker exec ${containerName} emqx ctl admins passwd ` +
                `${username} <emqx:dashboardPassword>\`, or deploy onto a fresh data volume.`,
        ),
    );
}

/** Logs in as the administrator and returns the bearer token; throws `loginRefused` on 401. */
export async function login(api: EmqxApi, admin: { username: string; password: string; containerName: string }): Promise<string> {
    const token = await requestToken(api, admin.username, admin.password);
    if (token === undefined) throw loginRefused(admin.username, admin.containerName);
    return token;
}

/** An API and a bearer token: what a caller needs to change something in EMQX. */
export interface ApiAccess {
    /** The API, with the deadline of the whole task. */
    api: EmqxApi;
    /** Bearer token from `POST /api/v5/login`. */
    token: string;
}

/** What one call is for, and what makes its answer a success. */
export interface CallOptions {
    body?: object;
    /** Names the call's object in an error, e.g. "MQTT user sensor". */
    subject: string;
    /** Statuses that count as success. */
    accept: number[];
    /** The message for a 404 that says EMQX lacks what the call needs (an authenticator, an authorization source). */
    missing?: string;
}

/** One REST call that must succeed: throws one line naming the call and its subject otherwise. */
export async function call(access: ApiAccess, method: string, path: string, options: CallOptions): Promise<ApiAnswer> {
    const answer = await access.api.request(method, path, { token: access.token, body: options.body }).catch((err: Error) => {
        throw new Error(`${method} ${path} for ${options.subject} failed: ${err.message}`);
    });
    if (answer.status === 404 && options.missing && !options.accept.includes(404)) {
        throw new Error(`${options.missing} (HTTP 404 ${answer.text.slice(0, 120)})`);
    }
    if (!options.accept.includes(answer.status)) {
        throw new Error(`${method} ${path} for ${options.subject} answered HTTP ${answer.status} ${answer.text.slice(0, 120)}`);
    }
    return answer;
}

const pageSize = 100;
/** 1,000 pages of 100: far more than a stack configures, and a bound on the listing loop. */
const maxPages = 1000;

/** Every entry of a paged list (`?page=N&limit=100`, answered `{data, meta: {hasnext}}`). */
export async function listPages<T>(access: ApiAccess, path: string, options: Omit<CallOptions, "accept" | "body">): Promise<T[]> {
    const entries: T[] = [];
    for (let page = 1; page <= maxPages; page++) {
        const { text } = await call(access, "GET", `${path}?page=${page}&limit=${pageSize}`, { ...options, accept: [200] });
        const { data, meta } = JSON.parse(text) as { data: T[]; meta: { hasnext?: boolean } };
        entries.push(...data);
        if (data.length < pageSize || meta.hasnext === false) break;
    }
    return entries;
}
