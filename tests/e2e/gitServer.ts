/**
 * A git host on 127.0.0.1 for `pulumi package add <git URL>`: Git's smart HTTP protocol over TLS,
 * each request handed to `git http-backend` (CGI) over the bare repositories in `root`, with a
 * certificate the caller's CA signed, on HTTPS's own port 443: Pulumi names a git plugin's folder
 * after host and port, and a port's ":" in that folder's path would break npm's PATH in it.
 * Plain Node, no dependencies.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:https";

export interface GitServer {
    /** https://127.0.0.1 */
    url: string;
    close(): Promise<void>;
}

export function serveGit(root: string, tls: { cert: string; key: string }): Promise<GitServer> {
    const server: Server = createServer(tls, (req, res) => {
        const url = new URL(req.url ?? "/", "https://127.0.0.1");
        const backend = spawn("git", ["http-backend"], {
            env: {
                ...process.env,
                GIT_PROJECT_ROOT: root,
                GIT_HTTP_EXPORT_ALL: "1",
                PATH_INFO: decodeURIComponent(url.pathname),
                QUERY_STRING: url.search.slice(1),
                REQUEST_METHOD: req.method ?? "GET",
                CONTENT_TYPE: req.headers["content-type"] ?? "",
                HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"] ?? ""),
                GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
            },
            timeout: 60_000,
        });
        req.pipe(backend.stdin);
        // CGI: header lines, a blank line, then the body.
        let head = Buffer.alloc(0);
        let headerDone = false;
        backend.stdout.on("data", (chunk: Buffer) => {
            if (headerDone) return void res.write(chunk);
            head = Buffer.concat([head, chunk]);
            const end = head.indexOf("\r\n\r\n");
            if (end === -1) return;
            headerDone = true;
            let status = 200;
            for (const line of head.subarray(0, end).toString().split("\r\n")) {
                const [name, ...rest] = line.split(":");
                const value = rest.join(":").trim();
                if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]);
                else res.setHeader(name, value);
            }
            res.writeHead(status);
            res.write(head.subarray(end + 4));
        });
        backend.on("close", () => res.end());
        backend.on("error", () => res.destroy());
    });
    return new Promise((resolve, reject) =>
        server.once("error", reject).listen(443, "127.0.0.1", () =>
            resolve({
                url: "https://127.0.0.1",
                close: () => new Promise<void>((done) => server.close(() => done())),
            }),
        ),
    );
}
