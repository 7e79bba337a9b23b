/**
 * The docker CLI against a given engine: it reaches unix://, tcp:// (with TLS material) and ssh://
 * engines alike, so what the provider can reach, this can too. Plain TypeScript, no Pulumi.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

/** An engine to run the CLI against: its host ("" for the local default) and, for tcp://, the client's TLS material (PEM). */
export interface CliEngine {
    dockerHost: string;
    tls?: { caCertificate: string; certificate: string; key: string };
}

/** Runs `docker ARGS` against `engine`; resolves to its output, or throws with its own first line of error. */
export async function dockerCli(engine: CliEngine, args: string[], timeoutMs = 30_000): Promise<string> {
    const certs = engine.tls && engine.dockerHost.startsWith("tcp://") ? mkdtempSync(path.join(tmpdir(), "emqx-docker-tls-")) : undefined;
    try {
        const flags = engine.dockerHost ? ["--host", engine.dockerHost] : [];
        if (certs && engine.tls) {
            const files = { "ca.pem": engine.tls.caCertificate, "cert.pem": engine.tls.certificate, "key.pem": engine.tls.key };
            for (const [file, pem] of Object.entries(files)) writeFileSync(path.join(certs, file), pem, { mode: 0o600 });
            flags.push("--tlsverify", "--tlscacert", path.join(certs, "ca.pem"), "--tlscert", path.join(certs, "cert.pem"), "--tlskey", path.join(certs, "key.pem"));
        }
        return await new Promise<string>((resolve, reject) => {
            execFile("docker", [...flags, ...args], { encoding: "utf8", timeout: timeoutMs }, (err, stdout, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve(stdout.trim())));
        });
    } catch (err) {
        const said = ((err as { stderr?: string }).stderr || (err as Error).message).trim().split("\n")[0];
        throw new Error(`docker ${args.slice(0, 2).join(" ")} on ${engine.dockerHost || "the local Docker engine"}: ${said}`);
    } finally {
        if (certs) rmSync(certs, { recursive: true, force: true });
    }
}
