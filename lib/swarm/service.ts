/**
 * What only a Swarm service of an EMQX node needs: its secrets read into EMQX's environment by the
 * task's own command (a service spec is readable through the API, so no secret goes into its
 * `env`), its ports published on its own host, its restart policy. Plain TypeScript, no Pulumi.
 */
import type { PortBinding } from "../config/types";
import { type CliEngine, dockerCli } from "../docker/cli";

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
 * The image's entrypoint and command, as the engine at `engine.dockerHost` (a Swarm manager; ""
 * for the local default) has them. Throws one line naming the image when the engine does not have it.
 */
export async function imageCommand(image: string, engine: CliEngine): Promise<string[]> {
    let config: string;
    try {
        config = await dockerCli(engine, ["image", "inspect", "--format", "{{json .Config}}", image]);
    } catch (err) {
        throw new Error(`cannot read the entrypoint of ${image}: ${(err as Error).message}`);
    }
    const { Entrypoint, Cmd } = JSON.parse(config) as { Entrypoint: string[] | null; Cmd: string[] | null };
    return [...(Entrypoint ?? []), ...(Cmd ?? [])];
}
