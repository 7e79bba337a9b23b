/** What the end-to-end tier needs on this machine, and a one-line answer when something is missing. */
import { spawnSync } from "node:child_process";

export const emqxImage = "emqx/emqx:5.1.4";

function run(command: string, args: string[]): { ok: boolean; stdout: string } {
    const result = spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
    return { ok: result.status === 0, stdout: result.stdout ?? "" };
}

/** Undefined when the real toolchain is here; otherwise what is missing, in one line. */
export function missingToolchain(): string | undefined {
    const missing: string[] = [];
    const version = run("pulumi", ["version"]);
    if (!version.ok) {
        missing.push("the Pulumi CLI (pulumi on PATH)");
    } else {
        const plugins = run("pulumi", ["plugin", "ls", "--json"]);
        const docker = plugins.ok && (JSON.parse(plugins.stdout || "[]") as { name: string; kind: string }[]).some((p) => p.name === "docker" && p.kind === "resource");
        if (!docker) missing.push("the docker resource provider in Pulumi's plugin cache (`pulumi plugin install resource docker 5.2.0`)");
    }
    if (!run("docker", ["info", "--format", "{{.ServerVersion}}"]).ok) {
        missing.push("a running Docker engine (`docker info` fails)");
    } else if (!run("docker", ["image", "inspect", emqxImage]).ok) {
        missing.push(`the image ${emqxImage} in the local Docker engine`);
    }
    return missing.length > 0 ? missing.join("; ") : undefined;
}

/** Why a case cannot run on the local image, when it is the stand-in (its description label says so) and the case needs real EMQX. */
export function standinCannot(what: string): string | undefined {
    const description = run("docker", ["image", "inspect", "-f", '{{index .Config.Labels "org.opencontainers.image.description"}}', emqxImage]).stdout;
    return /stand-in/i.test(description) ? `cannot run here: ${emqxImage} is the local stand-in ("${description.trim()}"), which ${what}` : undefined;
}
