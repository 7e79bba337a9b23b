/** Runs the program under mocks in a child process (see runProgram.ts) and returns what it registered. */
import { execFile } from "node:child_process";
import * as path from "node:path";
import type { ProgramRun, RegisteredResource } from "./runProgram";
import { type ConfigValue, repoRoot } from "./stackFiles";

/**
 * `deployedBefore`: the engine holds state from an earlier deploy of every node (see runProgram.ts).
 * `deploymentArgs`: instead of the stack, run a program that declares one Deployment with these arguments.
 */
export async function runProgram(
    stack: string,
    overrides: Record<string, ConfigValue | null> = {},
    options: { deployedBefore?: boolean; deploymentArgs?: Record<string, unknown> } = {},
): Promise<ProgramRun> {
    const script = path.join(__dirname, "runProgram.js");
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
        execFile(
            process.execPath,
            [script],
            {
                env: {
                    ...process.env,
                    // A Swarm node's ImageCommand reads its image's command with the docker CLI: a stand-in answers for it here.
                    PATH: `${path.join(repoRoot, "tests", "harness", "bin")}:${process.env.PATH}`,
                    HARNESS_STACK: stack,
                    HARNESS_CONFIG: JSON.stringify(overrides),
                    HARNESS_DEPLOYED_BEFORE: options.deployedBefore ? "1" : "",
                    HARNESS_PROGRAM: options.deploymentArgs ? "tests/harness/deploymentProgram" : "index",
                    HARNESS_DEPLOYMENT_ARGS: JSON.stringify(options.deploymentArgs ?? {}),
                },
                timeout: 60_000,
            },
            (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve({ stdout: out, stderr: errOut })),
        );
    });
    const lines = stdout.trim().split("\n");
    const run: ProgramRun = JSON.parse(lines[lines.length - 1]);
    // Without an engine, pulumi.log.warn writes "warning: [runtime] …" to stderr.
    const prefix = "warning: [runtime] ";
    run.warnings = stderr.split("\n").filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
    return run;
}

/** The single registered resource of a type; fails loudly when there is not exactly one. */
export function only(run: ProgramRun, type: string): RegisteredResource {
    const found = run.resources.filter((r) => r.type === type);
    if (found.length !== 1) {
        throw new Error(`expected one ${type}, found ${found.length}: ${run.resources.map((r) => r.type).join(", ")}`);
    }
    return found[0];
}
