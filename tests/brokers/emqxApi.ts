/**
 * A local HTTP server that answers as EMQX 5.1's REST API does for the calls this stack makes:
 * `GET /status` (503 while starting, then 200 "… is running"), `POST /api/v5/login` (200 with a
 * token, or 401 BAD_USERNAME_OR_PWD), `POST /api/v5/users/{name}/change_pwd` (204, 400
 * ERROR_PWD_NOT_MATCH or BAD_REQUEST for a password EMQX's rule refuses; it revokes tokens) and the
 * built-in database's users under `/api/v5/authentication/password_based:built_in_database/users`
 * (GET pages with meta.hasnext, POST 201 / 409 ALREADY_EXISTS, PUT and DELETE by id, 404
 * NOT_FOUND; 401 without the token), the built-in database authorization source's rules under
 * `/api/v5/authorization/sources/built_in_database/rules` (users and clients paged, PUT and DELETE by
 * name, `all` with GET, POST that replaces and DELETE; rules read back with qos and retain added) and
 * `/api/v5/prometheus/stats` (Prometheus text, no login). A stand-in, not EMQX: its answers follow
 * emqx_authn_api.erl, emqx_authz_api_mnesia.erl, emqx_prometheus_api.erl and emqx_dashboard_api.erl of 5.1.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeEmqxApi {
    url: string;
    /** Requests seen, as "METHOD path". */
    requests: string[];
    /** The built-in database: user id to password. */
    users: Map<string, string>;
    /** The built-in database authorization source: rules by username, by client id, and for all. */
    acl: { users: Map<string, AclEntry[]>; clients: Map<string, AclEntry[]>; all: AclEntry[] };
    /** The administrator's password as it stands. */
    adminPassword(): string;
    /** From now on, `GET /api/v5/nodes` lists these: node name to node_status. */
    setNodes(nodes: Record<string, string>): void;
    /** From now on, answer the requests `silence` matched; those that came before stay unanswered. */
    speak(): void;
    /** How many requests `silence` held were still open (not given up) when the first such request after `speak()` came. */
    heldAtFirstAnswer(): number | undefined;
    stop(): Promise<void>;
}

/** A rule as EMQX's API takes it. */
export interface AclEntry {
    topic: string;
    permission: string;
    action: string;
}

export interface FakeEmqxApiOptions {
    /** Answer 503 to this many `GET /status` calls first. */
    startingFor?: number;
    /** Whether the password_based:built_in_database authenticator exists (default true). */
    authenticator?: boolean;
    /** What `GET /api/v5/nodes` lists: node name to node_status (default: none). */
    nodes?: Record<string, string>;
    /** Requests ("METHOD path") to take and never answer until `speak()`, as a port nobody listens on behind Docker's proxy. */
    silence?: RegExp;
    /** Whether the built_in_database authorization source exists (default true). */
    authzSource?: boolean;
    /** What `/api/v5/prometheus/stats` answers (default: a few of EMQX's metrics, zero). */
    metrics?: string;
}

const rulesPath = "/api/v5/authorization/sources/built_in_database/rules";
const defaultMetrics = "# TYPE emqx_connections_count gauge\nemqx_connections_count 0\n# TYPE emqx_messages_received counter\nemqx_messages_received 0\n# TYPE emqx_messages_sent counter\nemqx_messages_sent 0\n";

/** Rules as EMQX reads them back: with the qos and retain it adds. */
const richRules = (rules: AclEntry[]) => rules.map((rule) => ({ ...rule, qos: [0, 1, 2], retain: "all" }));

const usersPath = "/api/v5/authentication/password_based:built_in_database/users";

export async function startFakeEmqxApi(admin: { username: string; password: string }, options: FakeEmqxApiOptions = {}): Promise<FakeEmqxApi> {
    const requests: string[] = [];
    const users = new Map<string, string>();
    const acl = { users: new Map<string, AclEntry[]>(), clients: new Map<string, AclEntry[]>(), all: [] as AclEntry[] };
    const startingFor = options.startingFor ?? 0;
    let statusCalls = 0;
    let adminPassword = admin.password;
    let nodes = options.nodes ?? {};
    let tokenNumber = 0;
    // Like EMQX, every token issued stays valid until a password change revokes them all.
    const tokens = new Set<string>();
    let silent = true;
    const held = new Set<http.IncomingMessage>();
    let heldAtFirstAnswer: number | undefined = undefined;
    const server = http.createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`);
        if (options.silence?.test(`${req.method} ${req.url}`)) {
            if (silent) {
                held.add(req);
                res.on("close", () => held.delete(req));
                return;
            }
            heldAtFirstAnswer ??= held.size;
        }
        let body = "";
        req.on("data", (chunk) => (body += chunk));
        req.on("end", () => {
            if (req.method === "GET" && req.url === "/status") {
                statusCalls++;
                const started = statusCalls > startingFor;
                res.writeHead(started ? 200 : 503, { "content-type": "text/plain" });
                res.end(started ? "Node emqx@172.20.0.117 is started\nemqx is running" : "Node emqx@172.20.0.117 is starting\nemqx is not_running");
                return;
            }
            if (req.method === "POST" && req.url === "/api/v5/login") {
                const login = JSON.parse(body || "{}");
                const ok = login.username === admin.username && login.password === adminPassword;
                const token = ok ? `t0k3n-${++tokenNumber}` : "";
                if (ok) tokens.add(token);
                res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
                res.end(JSON.stringify(ok ? { token, version: "5.1.4", license: { edition: "opensource" } } : { code: "BAD_USERNAME_OR_PWD", message: "Auth failed" }));
                return;
            }
            const answer = (status: number, json?: object) => {
                res.writeHead(status, json ? { "content-type": "application/json" } : {});
                res.end(json ? JSON.stringify(json) : undefined);
            };
            /** Answers 401 BAD_TOKEN, as EMQX does, unless the request carries a token still valid; true when it answered. */
            const badToken = () => {
                const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
                if (bearer !== undefined && tokens.has(bearer)) return false;
                answer(401, { code: "BAD_TOKEN", message: "Get a token by POST /login" });
                return true;
            };
            if (req.method === "POST" && req.url === `/api/v5/users/${admin.username}/change_pwd`) {
                if (badToken()) return;
                const change = JSON.parse(body || "{}");
                if (change.old_pwd !== adminPassword) return answer(400, { code: "ERROR_PWD_NOT_MATCH", message: "Old password not match" });
                if (!/^[\x21-\x7e]{8,64}$/.test(change.new_pwd ?? "")) return answer(400, { code: "BAD_REQUEST", message: "The range of password length is 8~64" });
                adminPassword = change.new_pwd;
                tokens.clear();
                return answer(204);
            }
            if (req.method === "GET" && req.url === "/api/v5/prometheus/stats") {
                res.writeHead(200, { "content-type": "text/plain" });
                res.end(options.metrics ?? defaultMetrics);
                return;
            }
            if (req.url?.startsWith(rulesPath)) {
                if (badToken()) return;
                if (options.authzSource === false) return answer(404, { code: "NOT_FOUND", message: "Not found: built_in_database" });
                const url = new URL(req.url, "http://x");
                const [kind, name] = url.pathname.slice(rulesPath.length + 1).split("/").map(decodeURIComponent);
                const paged = (map: Map<string, AclEntry[]>, field: string) => {
                    const page = Number(url.searchParams.get("page") ?? 1);
                    const limit = Number(url.searchParams.get("limit") ?? 100);
                    const all = [...map].map(([key, rules]) => ({ [field]: key, rules: richRules(rules) }));
                    return answer(200, { data: all.slice((page - 1) * limit, page * limit), meta: { page, limit, hasnext: page * limit < all.length } });
                };
                const byName = kind === "users" ? acl.users : acl.clients;
                if (kind === "all") {
                    if (req.method === "GET") return answer(200, { rules: richRules(acl.all) });
                    if (req.method === "POST") return (acl.all = JSON.parse(body).rules), answer(204);
                    if (req.method === "DELETE") return (acl.all = []), answer(204);
                } else if (name === undefined && req.method === "GET") {
                    return paged(byName, kind === "users" ? "username" : "clientid");
                } else if (req.method === "PUT" && kind === "users") {
                    const entry = JSON.parse(body);
                    if (entry.username !== name) return answer(400, { code: "BAD_REQUEST", message: "username mismatch" });
                    byName.set(name, entry.rules.map(({ topic, permission, action }: AclEntry) => ({ topic, permission, action })));
                    return answer(204);
                } else if (req.method === "DELETE") {
                    return byName.delete(name) ? answer(204) : answer(404, { code: "NOT_FOUND", message: "Username Not Found" });
                }
                return answer(405, { code: "METHOD_NOT_ALLOWED", message: "Method Not Allowed" });
            }
            if (req.method === "GET" && req.url === "/api/v5/nodes") {
                if (badToken()) return;
                return answer(200, Object.entries(nodes).map(([node, status]) => ({ node, node_status: status })));
            }
            if (req.url?.startsWith(usersPath)) {
                if (badToken()) return;
                if (options.authenticator === false) {
                    return answer(404, { code: "NOT_FOUND", message: "Authenticator 'password_based:built_in_database' does not exist" });
                }
                const query = new URL(req.url, "http://x").searchParams;
                if (req.method === "GET" && query.has("page")) {
                    const page = Number(query.get("page"));
                    const limit = Number(query.get("limit"));
                    const all = [...users.keys()];
                    const data = all.slice((page - 1) * limit, page * limit).map((id) => ({ user_id: id, is_superuser: false }));
                    return answer(200, { data, meta: { page, limit, count: all.length, hasnext: page * limit < all.length } });
                }
                const id = decodeURIComponent(req.url.slice(usersPath.length + 1));
                const user = JSON.parse(body || "{}");
                if (req.method === "POST" && id === "") {
                    if (users.has(user.user_id)) return answer(409, { code: "ALREADY_EXISTS", message: "User already exists" });
                    users.set(user.user_id, user.password);
                    return answer(201, { user_id: user.user_id, is_superuser: false });
                }
                if (!users.has(id)) return answer(404, { code: "NOT_FOUND", message: "User not found" });
                if (req.method === "PUT") {
                    users.set(id, user.password);
                    return answer(200, { user_id: id, is_superuser: false });
                }
                if (req.method === "DELETE") {
                    users.delete(id);
                    return answer(204);
                }
            }
            answer(404);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requests,
        users,
        acl,
        adminPassword: () => adminPassword,
        setNodes: (listed) => (nodes = listed),
        speak: () => (silent = false),
        heldAtFirstAnswer: () => heldAtFirstAnswer,
        stop: () => {
            server.closeAllConnections();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
}
