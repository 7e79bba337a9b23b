/**
 * Just enough of the Docker Engine API (over its unix socket) to ask the daemon, before the broker
 * exists, whether it grants a container an open-file limit: runc fails a container that asks for
 * more than the daemon itself may open ("error setting rlimit type 7"). Plain TypeScript, no Pulumi.
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

/** What a probe of the open-file limit found. */
export interface NofileProbe {
    /** Whether a container with that limit started. */
    granted: boolean;
    /** The daemon's own words when it did not. */
    detail: string;
}

/**
 * Creates and starts a throwaway container of `image` with `nofile` as its soft and hard open-file
 * limit, running only `sh -c "exit 0"`, then removes it. It carries `labels` so an owner can find it.
 */
export async function probeNofileLimit(socketPath: string, image: string, nofile: number, labels: Record<string, string>, timeoutMs = 30_000): Promise<NofileProbe> {
    const created = await engineRequest(socketPath, "POST", "/containers/create", {
        Image: image,
        Entrypoint: ["/bin/sh", "-c", "exit 0"],
        Cmd: [],
        Labels: labels,
        HostConfig: { Ulimits: [{ Name: "nofile", Soft: nofile, Hard: nofile }], NetworkMode: "none" },
    }, timeoutMs);
    if (created.status !== 201) {
        throw new Error(`Docker could not create a probe container of ${image}: HTTP ${created.status} ${engineMessage(created)}`);
    }
    const id = (JSON.parse(created.body) as { Id: string }).Id;
    try {
        const started = await engineRequest(socketPath, "POST", `/containers/${id}/start`, undefined, timeoutMs);
        if (started.status === 204 || started.status === 304) return { granted: true, detail: "" };
        const detail = engineMessage(started);
        if (/rlimit|RLIMIT_NOFILE|ulimit/i.test(detail)) return { granted: false, detail };
        throw new Error(`Docker could not start a probe container of ${image}: HTTP ${started.status} ${detail}`);
    } finally {
        await engineRequest(socketPath, "DELETE", `/containers/${id}?force=true&v=true`, undefined, timeoutMs).catch(() => undefined);
    }
}

/**
 * Throws one line naming emqx:nofileLimit when the daemon (on its default or DOCKER_HOST's unix
 * socket) will not give a container `nofile` open files; says so and returns for other hosts.
 */
export async function assertNofileGranted(image: string, nofile: number, labels: Record<string, string>, log: (line: string) => void): Promise<void> {
    const socketPath = dockerSocketPath();
    if (socketPath === undefined) {
        log(`emqx:nofileLimit ${nofile} not probed: DOCKER_HOST is not a unix socket`);
        return;
    }
    const { granted, detail } = await probeNofileLimit(socketPath, image, nofile, labels);
    if (!granted) {
        throw new Error(
            `emqx:nofileLimit is ${nofile}, more open files than the Docker daemon may give a container here ` +
                `(its own limit is lower; Docker said: ${detail.split("\n")[0].slice(0, 160)}). ` +
                "Lower it with `pulumi config set nofileLimit <n>` (0 keeps Docker's default), or raise the daemon's LimitNOFILE.",
        );
    }
}
