/**
 * A fresh copy of the project in a temporary folder, driven as a user would: the README's deploy
 * command, then the Automation API on the same folder, against a local file backend in a temporary
 * folder with a generated passphrase. Nothing touches the repository's own stack files.
 */
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LocalWorkspace, type Stack, type UpResult } from "@pulumi/pulumi/automation";
import { repoRoot } from "../harness/stackFiles";

export interface Project {
    dir: string;
    env: Record<string, string>;
    /** The stack in this copy, through the Automation API. */
    stack(name: string): Promise<Stack>;
    remove(): void;
}

const copied = [
    ...["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.cluster.yaml", "Pulumi.swarm.yaml", "PulumiPlugin.yaml"],
    ...["index.ts", "provider.ts", "components", "lib", "scripts", "package.json", "package-lock.json", "tsconfig.json"],
];

/** Puts this working tree's project files into `dir`, in place of what was there. */
export function putCurrentProject(dir: string): void {
    for (const entry of copied) {
        rmSync(path.join(dir, entry), { recursive: true, force: true });
        cpSync(path.join(repoRoot, entry), path.join(dir, entry), { recursive: true });
    }
}

/** A copy of the project as this working tree has it, or as `commit` had it (to deploy with an earlier version). */
export function copyProject(commit?: string): Project {
    const root = mkdtempSync(path.join(tmpdir(), "emqx-e2e-"));
    const dir = path.join(root, "project");
    const state = path.join(root, "state");
    mkdirSync(dir);
    mkdirSync(state);
    if (commit) execFileSync("sh", ["-c", `git -C "${repoRoot}" archive ${commit} | tar -x -C "${dir}"`], { stdio: "pipe" });
    else putCurrentProject(dir);
    symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
    const env = {
        PULUMI_BACKEND_URL: `file://${state}`,
        PULUMI_CONFIG_PASSPHRASE: randomBytes(18).toString("base64url"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
    };
    return {
        dir,
        env,
        async stack(name) {
            return LocalWorkspace.createOrSelectStack({ stackName: name, workDir: dir }, { envVars: env });
        },
        remove: () => rmSync(root, { recursive: true, force: true }),
    };
}

/** Runs `npm run deploy -- ARGS` in the copy, as the README says; resolves with its output and time. */
export function npmDeploy(project: Project, args: string[]): Promise<{ code: number; output: string; ms: number }> {
    const started = Date.now();
    return new Promise((resolve) => {
        execFile(
            "npm",
            ["run", "-s", "deploy", "--", ...args],
            { cwd: project.dir, env: { ...process.env, ...project.env }, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
            (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr, ms: Date.now() - started }),
        );
    });
}

/** `up` that collects the engine's lines; rejects with the command's own error text. */
export async function up(stack: Stack, options: { refresh?: boolean } = {}): Promise<UpResult & { output: string; ms: number }> {
    let output = "";
    const started = Date.now();
    const result = await stack.up({ ...options, onOutput: (line) => (output += line) });
    return { ...result, output, ms: Date.now() - started };
}

/** The one error line of a failed `up`, from the CLI's output. */
export async function failedUp(stack: Stack): Promise<string> {
    try {
        await stack.up({});
    } catch (err) {
        return String((err as Error).message);
    }
    throw new Error("pulumi up succeeded, but it should have failed");
}

/** `pulumi package add SOURCE` in a program's folder; resolves with its exit code, output and time. */
export function packageAdd(dir: string, source: string, env: Record<string, string>): Promise<{ code: number; output: string; ms: number }> {
    const started = Date.now();
    return new Promise((resolve) => {
        execFile("pulumi", ["package", "add", source], { cwd: dir, env: { ...process.env, ...env }, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
            resolve({ code: err ? 1 : 0, output: stdout + stderr, ms: Date.now() - started }),
        );
    });
}
