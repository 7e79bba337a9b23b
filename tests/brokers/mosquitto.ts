/**
 * A real mosquitto (Debian's package) on a free loopback port with a generated config. mosquitto
 * started as root drops to its own user, so everything it reads lives in a world-readable folder.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { makePki, type TestPki } from "./certificates";
import { freePort, waitForPort } from "./ports";

export interface MosquittoOptions {
    /** Users with passwords; anonymous clients are refused when given. */
    users?: Record<string, string>;
    /** Also serve MQTT over TLS with certificates made for this broker. */
    tls?: boolean;
    /** mosquitto ACL file text (applies to anonymous clients when no users are given). */
    acl?: string;
    /** Start this many ms later, in the background (the listener is not there meanwhile); 0 waits until it listens. */
    startDelayMs?: number;
}

export interface Mosquitto {
    port: number;
    /** TLS listener port, when `tls` was asked for. */
    tlsPort?: number;
    pki?: TestPki;
    stop(): Promise<void>;
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
    const dir = mkdtempSync(path.join(tmpdir(), "mosquitto-"));
    chmodSync(dir, 0o755);
    const port = await freePort();
    const lines = [`listener ${port} 127.0.0.1`, "persistence false", "log_dest stderr", "log_type error"];
    let tlsPort: number | undefined;
    let pki: TestPki | undefined;
    if (options.tls) {
        pki = makePki(dir);
        tlsPort = await freePort();
        lines.push(`listener ${tlsPort} 127.0.0.1`, `cafile ${pki.caFile}`, `certfile ${pki.certFile}`, `keyfile ${pki.keyFile}`);
    }
    if (options.users) {
        const passwordFile = path.join(dir, "passwords");
        for (const [user, password] of Object.entries(options.users)) {
            const create = user === Object.keys(options.users)[0] ? ["-c"] : [];
            execFileSync("mosquitto_passwd", [...create, "-b", passwordFile, user, password], { stdio: "pipe" });
        }
        lines.push(`password_file ${passwordFile}`, "allow_anonymous false");
    } else {
        lines.push("allow_anonymous true");
    }
    if (options.acl !== undefined) {
        writeFileSync(path.join(dir, "acl"), options.acl);
        lines.push(`acl_file ${path.join(dir, "acl")}`);
    }
    // per_listener_settings false: the global settings above apply to every listener.
    writeFileSync(path.join(dir, "mosquitto.conf"), lines.join("\n") + "\n");
    execFileSync("chmod", ["-R", "a+r", dir]);

    let child: ChildProcess | undefined;
    let stopped = false;
    let stderr = "";
    const start = () => {
        if (stopped) return;
        child = spawn("mosquitto", ["-c", path.join(dir, "mosquitto.conf")], { stdio: ["ignore", "ignore", "pipe"] });
        child.stderr!.on("data", (chunk) => (stderr += chunk));
    };
    const delay = options.startDelayMs ?? 0;
    const startTimer = delay > 0 ? setTimeout(start, delay) : undefined;
    if (delay === 0) {
        start();
        for (const p of tlsPort === undefined ? [port] : [port, tlsPort]) {
            await waitForPort(p, 5000).catch((err: Error) => {
                throw new Error(`${err.message}; mosquitto said: ${stderr.trim() || "nothing"}`);
            });
        }
    }

    return {
        port,
        tlsPort,
        pki,
        stop: async () => {
            stopped = true;
            clearTimeout(startTimer);
            if (child && child.exitCode === null) {
                const exited = new Promise((resolve) => child!.once("exit", resolve));
                child.kill("SIGTERM");
                await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
                child.kill("SIGKILL");
            }
            rmSync(dir, { recursive: true, force: true });
        },
    };
}
