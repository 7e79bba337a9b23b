/**
 * Just enough of the Docker Engine API (over its unix socket) to ask the daemon, before the broker
 * exists, whether it grants what the broker's container will ask for: an open-file limit (runc fails
 * a container that asks for more than the daemon itself may open, "error setting rlimit type 7") and
 * its host ports (taken by another container or process). Plain TypeScript, no Pulumi.
 */
import * as http from "node:http";

/** The daemon's unix socket from DOCKER_HOST (as the docker provider reads it), else Docker's default; undefined for tcp:// or ssh:// hosts. */
export function dockerSocketPath(dockerHost = process.env.DOCKER_HOST): string | undefined {
    if (!dockerHost) return "/var/run/docker.sock";
    return dockerHost.startsWith("unix://") ? dockerHost.slice("unix://".length) : undefined;
}

interface EngineAnswer {
    status: number;
    body: string;
}

function engineRequest(socketPath: string, method: string, path: string, body: object | undefined, timeoutMs: number): Promise<EngineAnswer> {
    return new Promise((resolve, reject) => {
        const request = http.request(
            { socketPath, method, path, headers: { "content-type": "application/json" }, timeout: timeoutMs },
            (response) => {
                let text = "";
                response.setEncoding("utf8");
                response.on("data", (chunk: string) => (text += chunk));
                response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
            },
        );
        request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        request.on("error", (err) => reject(new Error(`Docker Engine API ${method} ${path} on ${socketPath} failed: ${err.message}`)));
        request.end(body && JSON.stringify(body));
    });
}

function engineMessage(answer: EngineAnswer): string {
    try {
        return String((JSON.parse(answer.body) as { message?: string }).message ?? answer.body).trim();
    } catch {
        return answer.body.trim();
    }
}

/** What the broker's container will ask the daemon for, and so what a probe container asks for first. */
export interface ProbeSpec {
    /** The broker's image (its /bin/sh runs the probe). */
    image: string;
    /** Labels, so an owner can find a probe left behind. */
    labels: Record<string, string>;
    /** Open-file limit (soft and hard); undefined asks for none. */
    nofile?: number;
    /** Host ports to publish, as the broker will. */
    ports?: { containerPort: number; hostPort: number; hostIp: string }[];
    /** Network to join: the broker's own bridge, where ports can be published. */
    network?: string;
}

/** What a probe found: every grant given, or the first one the daemon refused, in its own words. */
export type ProbeResult = { granted: true } | { granted: false; refused: "nofile" | "port"; detail: string; hostPort?: number };

/** Docker's words for a host port that is taken: by a container ("port is already allocated") or by a process ("address already in use"). */
const portTaken = /already allocated|address already in use/i;

/** The host port a refusal names, e.g. "Bind for 0.0.0.0:1883 failed" or "listen tcp4 0.0.0.0:1883: bind". */
function refusedPort(detail: string): number | undefined {
    const port = /(?:\d{1,3}(?:\.\d{1,3}){3}|\]|::):(\d{1,5})\b/.exec(detail)?.[1];
    return port === undefined ? undefined : Number(port);
}

/**
 * Creates and starts a throwaway container of the image with the open-file limit and host ports
 * the broker will ask for, running only `sh -c "exit 0"`, then removes it: the daemon grants both
 * (or refuses them) at start, before any of the stack's containers exists.
 */
export async function probeContainer(socketPath: string, spec: ProbeSpec, timeoutMs = 30_000): Promise<ProbeResult> {
    const ports = spec.ports ?? [];
    const created = await engineRequest(socketPath, "POST", "/containers/create", {
        Image: spec.image,
        Entrypoint: ["/bin/sh", "-c", "exit 0"],
        Cmd: [],
        Labels: spec.labels,
        ExposedPorts: Object.fromEntries(ports.map((p) => [`${p.containerPort}/tcp`, {}])),
        HostConfig: {
            Ulimits: spec.nofile === undefined ? [] : [{ Name: "nofile", Soft: spec.nofile, Hard: spec.nofile }],
            PortBindings: Object.fromEntries(ports.map((p) => [`${p.containerPort}/tcp`, [{ HostIp: p.hostIp, HostPort: String(p.hostPort) }]])),
            NetworkMode: spec.network ?? "none",
        },
    }, timeoutMs);
    if (created.status !== 201) {
        throw new Error(`Docker could not create a probe container of ${spec.image}: HTTP ${created.status} ${engineMessage(created)}`);
    }
    const id = (JSON.parse(created.body) as { Id: string }).Id;
    try {
        const started = await engineRequest(socketPath, "POST", `/containers/${id}/start`, undefined, timeoutMs);
        if (started.status === 204 || started.status === 304) return { granted: true };
        const detail = engineMessage(started);
        if (/rlimit|RLIMIT_NOFILE|ulimit/i.test(detail)) return { granted: false, refused: "nofile", detail };
        if (portTaken.test(detail)) return { granted: false, refused: "port", detail, hostPort: refusedPort(detail) };
        throw new Error(`Docker could not start a probe container of ${spec.image}: HTTP ${started.status} ${detail}`);
    } finally {
        await engineRequest(socketPath, "DELETE", `/containers/${id}?force=true&v=true`, undefined, timeoutMs).catch(() => undefined);
    }
}

/** A published listener as the stack configures it: the key that sets it, and the node it belongs to. */
export interface ConfiguredPort {
    key: string;
    hostPort: number;
    /** 1 for a single broker or a cluster's node 1, whose ports are the keys' values. */
    node: number;
}

/** One line for a refused grant, naming the stack key to change. */
export function refusalMessage(result: Exclude<ProbeResult, { granted: true }>, nofile: number | undefined, ports: ConfiguredPort[]): string {
    const said = result.detail.split("\n")[0].slice(0, 200);
    if (result.refused === "nofile") {
        return (
            `emqx:nofileLimit is ${nofile}, more open files than the Docker daemon may give a container here ` +
            `(its own limit is lower; Docker said: ${said}). ` +
            "Lower it with `pulumi config set nofileLimit <n>` (0 keeps Docker's default), or raise the daemon's LimitNOFILE."
        );
    }
    const port = ports.find((p) => p.hostPort === result.hostPort);
    if (!port) return `a host port of the broker is already used by something else on the Docker host (Docker said: ${said}); move it with the *Port keys`;
    const setting = port.node === 1 ? `is ${port.hostPort},` : `is ${port.hostPort - port.node + 1}, so node ${port.node} takes ${port.hostPort},`;
    return (
        `emqx:${port.key} ${setting} which something else on the Docker host already uses; ` +
        `choose a free port with \`pulumi config set ${port.key} <port>\`, or stop what holds it (Docker said: ${said})`
    );
}

/**
 * Throws one line naming the stack key when the daemon (on emqx:dockerHost's, DOCKER_HOST's or its
 * default unix socket) will not give the broker its open-file limit or its host ports; says so and
 * returns for other hosts.
 */
export async function assertGrants(spec: ProbeSpec, ports: ConfiguredPort[], dockerHost: string, log: (line: string) => void): Promise<void> {
    const socketPath = dockerSocketPath(dockerHost || process.env.DOCKER_HOST);
    if (socketPath === undefined) {
        log("host ports and open-file limit not probed: the Docker engine is not reached through a unix socket");
        return;
    }
    const result = await probeContainer(socketPath, spec);
    if (!result.granted) throw new Error(refusalMessage(result, spec.nofile, ports));
}
