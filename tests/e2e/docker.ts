/** Reads what the Docker engine holds, through the docker CLI, for the e2e assertions. */
import { execFileSync } from "node:child_process";
import * as net from "node:net";

export function docker(...args: string[]): string {
    return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 }).trim();
}

/** `docker inspect` of a container or network, or undefined when it does not exist. */
export function inspect(kind: "container" | "network" | "volume", name: string): any {
    try {
        return JSON.parse(docker(kind, "inspect", name))[0];
    } catch {
        return undefined;
    }
}

/** Names of the containers, networks and volumes that carry every label given, e.g. com.pulumi.stack=dev. */
export function labelled(...labels: string[]): { containers: string[]; networks: string[]; volumes: string[] } {
    const filters = labels.flatMap((label) => ["--filter", `label=${label}`]);
    const names = (...args: string[]) => docker(...args, ...filters).split("\n").filter(Boolean);
    return {
        containers: names("ps", "-a", "--format", "{{.Names}}"),
        networks: names("network", "ls", "--format", "{{.Name}}"),
        volumes: names("volume", "ls", "--format", "{{.Name}}"),
    };
}

/** Removes what a stack left in Docker (after a failed run), found by its ownership labels. */
export function removeLabelled(...labels: string[]): void {
    const left = labelled(...labels);
    if (left.containers.length) docker("rm", "-f", ...left.containers);
    if (left.networks.length) docker("network", "rm", ...left.networks);
    if (left.volumes.length) docker("volume", "rm", "-f", ...left.volumes);
}

/**
 * An open-file limit the Docker daemons here grant (their own is 20,000 or more), for prod-shaped
 * stacks, whose default (1,048,576) many daemons refuse.
 */
export const grantableNofileLimit = 16384;

/** The open-file limit the Docker daemon itself runs with: containers cannot be given more. */
export function daemonNofileLimit(): number | undefined {
    try {
        const pid = execFileSync("pidof", ["dockerd"], { encoding: "utf8" }).trim().split(" ")[0];
        const limits = execFileSync("cat", [`/proc/${pid}/limits`], { encoding: "utf8" });
        const hard = /^Max open files\s+\d+\s+(\d+)/m.exec(limits)?.[1];
        return hard === undefined ? undefined : Number(hard);
    } catch {
        return undefined;
    }
}

/** Holds a host port as another program would (all interfaces), until the returned function frees it. */
export async function holdPort(port: number): Promise<() => Promise<void>> {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "0.0.0.0", resolve));
    return () => new Promise((resolve) => server.close(() => resolve()));
}
