/** bin/emqx-check as a child process, for the CLI's tests and its benchmark. */
import { spawn } from "node:child_process";
import * as path from "node:path";

/** The check without npm (bin/emqx-check), from build/tests/harness or build/scripts alike. */
export const checkBin = path.join(__dirname, "..", "..", "..", "bin", "emqx-check");

/** Runs bin/emqx-check and resolves with its exit code, what it printed, and how long after printing its verdict (its first line, on either stream) it exited. */
export function exitAfterVerdict(args: string[], env: NodeJS.ProcessEnv = process.env) {
    return new Promise<{ code: number | null; stdout: string; stderr: string; exitLagMs: number }>((resolve, reject) => {
        const child = spawn(checkBin, args, { stdio: ["ignore", "pipe", "pipe"], env });
        const kill = setTimeout(() => child.kill("SIGKILL"), 30_000);
        const printed = { stdout: "", stderr: "" };
        let verdictAt = 0;
        for (const stream of ["stdout", "stderr"] as const) {
            child[stream].on("data", (chunk: Buffer) => {
                printed[stream] += chunk;
                if (!verdictAt && printed[stream].includes("\n")) verdictAt = performance.now();
            });
        }
        child.on("error", reject);
        child.on("exit", (code) => {
            clearTimeout(kill);
            resolve({ code, ...printed, exitLagMs: performance.now() - verdictAt });
        });
    });
}
