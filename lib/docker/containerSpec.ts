/** The broker container's plain settings: TLS files and their uploads, limits, health check. No Pulumi. */

/** Where the uploaded TLS files land: next to the image's own test certificates. */
const certsDir = "/opt/emqx/etc/certs";

/** Paths inside the container of the broker's own certificate, key and CA. */
export interface TlsFiles {
    certfile: string;
    keyfile: string;
    cacertfile?: string;
}

/** The files EMQX's TLS listeners read; the CA only when there is one. */
export function tlsFilePaths(withCa: boolean): TlsFiles {
    return {
        certfile: `${certsDir}/stack-cert.pem`,
        keyfile: `${certsDir}/stack-key.pem`,
        cacertfile: withCa ? `${certsDir}/stack-cacert.pem` : undefined,
    };
}

/**
 * The uploads that put the PEM text in place before EMQX starts. Docker writes them as root, and
 * EMQX runs as uid 1000, so each file is 0444, readable by EMQX's user; that is also the mode
 * Docker gives a Swarm secret. Nothing else runs in the container, and the key never shows in
 * `docker inspect` (it travels in the provider's upload, over the engine's own connection).
 * Uploads that set their owner (`owner`, `group`) need a newer docker provider than the one
 * this stack must run on.
 */
export function tlsUploads(files: TlsFiles, pem: { certificate: string; privateKey: string; caCertificate: string }) {
    return [
        { file: files.certfile, content: pem.certificate, permissions: "0444" },
        { file: files.keyfile, content: pem.privateKey, permissions: "0444" },
        ...(files.cacertfile ? [{ file: files.cacertfile, content: pem.caCertificate, permissions: "0444" }] : []),
    ];
}

/** What limits the container: memory, open files, log rotation, privilege escalation (0 or "" leaves Docker's default). */
export function containerLimits(limits: { memoryMb: number; nofileLimit: number; logMaxSize: string; logMaxFiles: number; noNewPrivileges: boolean }) {
    return {
        memory: limits.memoryMb > 0 ? limits.memoryMb : undefined,
        // Docker's own default (memory plus as much swap), stated: left out, the provider reads it back
        // after the first deploy and the next `up` updates every container to remove it.
        memorySwap: limits.memoryMb > 0 ? limits.memoryMb * 2 : undefined,
        ulimits: limits.nofileLimit > 0 ? [{ name: "nofile", soft: limits.nofileLimit, hard: limits.nofileLimit }] : undefined,
        logDriver: limits.logMaxSize ? "json-file" : undefined,
        logOpts: limits.logMaxSize ? { "max-size": limits.logMaxSize, "max-file": String(limits.logMaxFiles) } : undefined,
        securityOpts: limits.noNewPrivileges ? ["no-new-privileges:true"] : undefined,
    };
}

/**
 * How long a node that goes (replaced, upgraded, destroyed) may take to stop after SIGTERM, in
 * seconds: EMQX's own shutdown_time. A node stopped this way closes its listeners and leaves its
 * cluster in about 2 s; without a grace period the docker provider kills it at once (SIGKILL), and
 * its peers then stall MQTT CONNECTs for a moment while they find it gone.
 */
export const emqxStopGraceSeconds = 30;

/** EMQX's documented container health check (its compose file's timings). */
export const emqxHealthcheck = { tests: ["CMD", "/opt/emqx/bin/emqx", "ctl", "status"], interval: "5s", timeout: "25s", retries: 5 };
