/**
 * What only a Swarm service of an EMQX node needs: its secrets read into EMQX's environment by the
 * task's own command (a service spec is readable through the API, so no secret goes into its
 * `env`), its ports published on its own host, its restart policy. Plain TypeScript, no Pulumi.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { DockerTls } from "../config/engine";
import type { PortBinding } from "../config/types";

/**
 * The task's command: a shell that exports each secret variable from its file, /run/secrets/<VARIABLE>,
 * then execs the image's own entrypoint and command (`imageCommand`), so EMQX starts as it would.
 */
export function startCommand(secretVariables: string[], imageCommand: string[]): string[] {
    const exports = secretVariables.map((variable) => `export ${variable}="$(cat /run/secrets/${variable})"`);
    return ["/bin/sh", "-c", [...exports, 'exec "$@"'].join("; "), "emqx-start", ...imageCommand];
}

/** Swarm's restart condition for a Docker restart policy: `always` and `unless-stopped` become `any`. */
export function restartCondition(restart: string): string {
    return ({ no: "none", "on-failure": "on-failure" } as Record<string, string>)[restart] ?? "any";
}

/** The node's listeners published in host mode on its own host (Swarm's routing mesh needs IPVS, which many kernels lack). */
export function hostModePorts(ports: PortBinding[]) {
    return ports.map((p) => ({ targetPort: p.containerPort, publishedPort: p.hostPort, publishMode: "host", protocol: "tcp" }));
}

/**
 * The image's entrypoint and command, as the engine at `dockerHost` (a Swarm manager; "" for the
 * local default) has them, read with the docker CLI, which reaches unix://, tcp:// (with `tls`) and
 * ssh:// engines alike. Throws one line naming the image when the engine does not have it.
 */
export function imageCommand(image: string, dockerHost: string, tls: DockerTls | undefined): string[] {
    const certs = tls && mkdtempSync(path.join(tmpdir(), "emqx-docker-tls-"));
    try {
        const flags = dockerHost ? ["--host", dockerHost] : [];
        if (certs && tls) {
            for (const [file, pem] of [["ca.pem", tls.caCertificate], ["cert.pem", tls.certificate], ["key.pem", tls.key]]) writeFileSync(path.join(certs, file), pem, { mode: 0o600 });
            flags.push("--tlsverify", "--tlscacert", path.join(certs, "ca.pem"), "--tlscert", path.join(certs, "cert.pem"), "--tlskey", path.join(certs, "key.pem"));
        }
        const config = execFileSync("docker", [...flags, "image", "inspect", "--format", "{{json .Config}}", image], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
        const { Entrypoint, Cmd } = JSON.parse(config) as { Entrypoint: string[] | null; Cmd: string[] | null };
        return [...(Entrypoint ?? []), ...(Cmd ?? [])];
    } catch (err) {
        const said = ((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split("\n")[0];
        throw new Error(`cannot read the entrypoint of ${image} on ${dockerHost || "the local Docker engine"}: ${said}`);
    } finally {
        if (certs) rmSync(certs, { recursive: true, force: true });
    }
}
