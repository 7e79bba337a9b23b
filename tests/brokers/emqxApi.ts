/**
 * A local HTTP server that answers as EMQX 5.1's REST API does for the calls the dashboard proof
 * makes: `GET /status` (503 while starting, then 200 "… is running") and `POST /api/v5/login`
 * (200 with a token, or 401 BAD_USERNAME_OR_PWD). A stand-in, not EMQX.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeEmqxApi {
    url: string;
    /** Requests seen, as "METHOD path". */
    requests: string[];
    stop(): Promise<void>;
}

export async function startFakeEmqxApi(admin: { username: string; password: string }, startingFor = 0): Promise<FakeEmqxApi> {
    const requests: string[] = [];
    let statusCalls = 0;
    const server = http.createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`);
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
                const ok = login.username === admin.username && login.password === admin.password;
                res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
                res.end(JSON.stringify(ok ? { token: "t0k3n", version: "5.1.4", license: { edition: "opensource" } } : { code: "BAD_USERNAME_OR_PWD", message: "Auth failed" }));
                return;
            }
            res.writeHead(404).end();
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requests,
        stop: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
