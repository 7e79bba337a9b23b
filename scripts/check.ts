/**
 * On-demand post-deploy check: `npm run check -- --url mqtt://HOST:PORT [--username U]
 * [--password P] [--timeout SECONDS] [--ca FILE] [--servername NAME] [--insecure] [--stack NAME]`.
 * Without --url it checks the selected stack's deployment (`pulumi stack output`). The password
 * may come from MQTT_PASSWORD instead, keeping it out of shell history and the process list.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { checkMqtt } from "../lib/mqttCheck";

const usage =
    "usage: npm run check -- [--url mqtt://HOST:PORT] [--username U] [--password P, or MQTT_PASSWORD] [--timeout SECONDS] [--ca FILE] [--servername NAME] [--insecure] [--stack NAME]";

function fail(message: string, code: number): never {
    process.stderr.write(`check: ${message}\n`);
    process.exit(code);
}

function stackOutputs(stack: string | undefined): Record<string, unknown> {
    try {
        const args = ["stack", "output", "--json", ...(stack ? ["--stack", stack] : [])];
        return JSON.parse(execFileSync("pulumi", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
    } catch (err) {
        const e = err as NodeJS.ErrnoException & { stderr?: string };
        if (e.code === "ENOENT") fail("the Pulumi CLI is not installed; install it, or pass --url", 2);
        fail(`could not read the stack's outputs: ${(e.stderr ?? e.message).trim().split("\n")[0]}; pass --url`, 2);
    }
}

async function main(): Promise<void> {
    let values;
    try {
        ({ values } = parseArgs({
            options: {
                url: { type: "string" },
                username: { type: "string" },
                password: { type: "string" },
                timeout: { type: "string", default: "30" },
                ca: { type: "string" },
                servername: { type: "string" },
                insecure: { type: "boolean", default: false },
                stack: { type: "string" },
            },
        }));
    } catch (err) {
        fail(`${(err as Error).message}\n${usage}`, 2);
    }
    const timeout = Number(values.timeout);
    if (!(timeout > 0 && timeout <= 3600)) fail(`--timeout is "${values.timeout}"; expected seconds from 1 to 3600`, 2);
    const outputs = values.url ? {} : stackOutputs(values.stack);
    const url = values.url ?? (outputs.mqttUrl as string | undefined);
    if (!url) fail("the stack has no mqttUrl output; deploy it first, or pass --url", 2);
    if (!/^(mqtts?|wss?):\/\//.test(url)) fail(`--url is "${url}"; expected mqtt://, mqtts://, ws:// or wss://`, 2);
    let ca: string | undefined;
    if (values.ca) {
        try {
            ca = readFileSync(values.ca, "utf8");
        } catch (err) {
            fail(`--ca: cannot read ${values.ca}: ${(err as Error).message}`, 2);
        }
    }
    try {
        const result = await checkMqtt({
            url,
            username: values.username,
            password: values.password ?? process.env.MQTT_PASSWORD,
            ca,
            servername: values.servername,
            insecure: values.insecure,
            timeoutMs: timeout * 1000,
            onProgress: (line) => process.stderr.write(`${line}\n`),
        });
        process.stdout.write(`ok: ${url} round trip ${result.roundTripMs} ms (attempt ${result.attempts}, ${result.elapsedMs} ms in all)\n`);
    } catch (err) {
        fail(`${url} failed: ${(err as Error).message}`, 1);
    }
}

void main();
