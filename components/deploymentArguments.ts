import * as pulumi from "@pulumi/pulumi";
import { argumentSource } from "../lib/config/argumentSource";
import { ConfigError, parseSettings, type Settings } from "../lib/config/settings";
import type { DeploymentArgs } from "./deploymentArgs";

/** Arguments that are secrets whichever way they arrive: the Deployment wraps them itself. */
export const secretArguments = ["dashboardPassword", "nodeCookie", "tlsPrivateKey", "dockerKey", "mqttUsers"];

/** The arguments with every secret one wrapped as a Pulumi secret. */
export function secretArgumentsWrapped(args: DeploymentArgs): DeploymentArgs {
    const wrapped: Record<string, unknown> = { ...args };
    for (const key of secretArguments) if (wrapped[key] !== undefined) wrapped[key] = pulumi.secret(wrapped[key]);
    return wrapped as DeploymentArgs;
}

/** The Output internals that tell an unknown value (a preview's, from a resource not yet made) from a known one. */
interface Resolvable {
    isKnown: Promise<boolean>;
    isSecret: Promise<boolean>;
    promise(): Promise<unknown>;
}

/**
 * Every argument's value, known (Outputs and secrets resolved), validated by the stack's own rules
 * with problems naming the argument as `label` does. Throws a RunError, so `up` shows the lines and no stack trace.
 */
export async function resolveArguments(name: string, args: DeploymentArgs, label: (key: string) => string = (key) => key): Promise<Settings> {
    const values: Record<string, unknown> = {};
    const secret = new Set(secretArguments);
    const unknown: string[] = [];
    for (const [key, value] of Object.entries(args)) {
        const output = pulumi.output(value) as unknown as Resolvable;
        if (!(await output.isKnown)) unknown.push(`${key} is not known yet (it comes from a resource this update has still to make); give a value known before the update`);
        else values[key] = await output.promise();
        if (await output.isSecret) secret.add(key);
    }
    const { source, unknown: unexpected } = argumentSource(values, secret);
    const subject = `arguments of emqx:index:Deployment "${name}"`;
    const problems = [...unexpected.map((key) => `${key} is not an argument of emqx:index:Deployment`), ...unknown];
    try {
        if (problems.length > 0) throw new ConfigError(problems, subject);
        return parseSettings(source, label, new Date(), subject);
    } catch (err) {
        throw err instanceof ConfigError ? new pulumi.RunError(err.message) : err;
    }
}
