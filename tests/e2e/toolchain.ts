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

/** The local image the scenarios run on: the stand-in (its description label says so) or EMQX itself. */
export function localImage(): { standin: boolean; description: string; id: string } {
    const inspected = run("docker", ["image", "inspect", "-f", '{{.Id}} {{index .Config.Labels "org.opencontainers.image.description"}}', emqxImage]).stdout.trim();
    const [id = "", ...words] = inspected.split(" ");
    const description = words.join(" ").replace(/^<no value>$/, "");
    return { standin: /stand-in/i.test(description), description, id: id.replace(/^sha256:/, "").slice(0, 12) };
}

/** One line saying which image the scenarios run on. */
export function imageLine(): string {
    const image = localImage();
    const what = image.standin ? "the local stand-in, not EMQX: cases that need real EMQX skip" : "real EMQX";
    return `${emqxImage} (${image.id}) is ${what}${image.description ? ` ("${image.description}")` : ""}`;
}

/** Why a case cannot run on the local image, when it is the stand-in and the case needs real EMQX. */
export function standinCannot(what: string): string | undefined {
    const image = localImage();
    return image.standin ? `cannot run here: ${emqxImage} is the local stand-in ("${image.description}"), which ${what}` : undefined;
}
