/** Builds the configuration the Pulumi CLI would hand the program: Pulumi.yaml defaults, then the stack file. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const repoRoot = path.resolve(__dirname, "..", "..", "..");

/** A config value as a test wants it: plain text, or a value the stack stores encrypted. */
export type ConfigValue = string | { secret: string };

/** Project config keys declared in Pulumi.yaml, with type and default. */
export function declaredConfig(): Record<string, { type: string; description?: string; default?: unknown }> {
    const project = parse(readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8"));
    return project.config;
}

export function projectName(): string {
    return parse(readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")).name;
}

/** The stack's merged configuration with `overrides` applied (null removes a key). */
export function stackConfig(stack: string, overrides: Record<string, ConfigValue | null> = {}) {
    const namespace = projectName();
    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [key, decl] of Object.entries(declaredConfig())) {
        if (decl.default !== undefined) values[`${namespace}:${key}`] = String(decl.default);
    }
    const stackFile = parse(readFileSync(path.join(repoRoot, `Pulumi.${stack}.yaml`), "utf8")) ?? {};
    for (const [key, value] of Object.entries(stackFile.config ?? {})) {
        if (typeof value === "object" && value !== null) {
            throw new Error(`${key} in Pulumi.${stack}.yaml is encrypted; tests cannot decrypt it`);
        }
        values[key] = String(value);
    }
    for (const [key, value] of Object.entries(overrides)) {
        const fullKey = `${namespace}:${key}`;
        secretKeys.delete(fullKey);
        if (value === null) delete values[fullKey];
        else if (typeof value === "string") values[fullKey] = value;
        else {
            values[fullKey] = value.secret;
            secretKeys.add(fullKey);
        }
    }
    return { values, secretKeys: [...secretKeys] };
}
