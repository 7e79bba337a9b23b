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

/** The `config:` values a stack file sets, as written. */
export function stackFileValues(stack: string): Record<string, unknown> {
    return (parse(readFileSync(path.join(repoRoot, `Pulumi.${stack}.yaml`), "utf8")) ?? {}).config ?? {};
}

/**
 * The CLI's own rule, applied before any program runs: a key Pulumi.yaml declares without a default
 * must be set by every stack, or `pulumi up` stops with this message.
 */
export function missingKeysError(stack: string, missing: string[]): string | undefined {
    if (missing.length === 0) return undefined;
    const quoted = missing.sort().map((key) => `'${key}'`);
    const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
    return `Stack '${stack}' is missing configuration value${missing.length === 1 ? "" : "s"} ${list}`;
}

/** The stack's merged configuration with `overrides` applied (null removes a key), as the CLI hands it to the program. */
export function stackConfig(stack: string, overrides: Record<string, ConfigValue | null> = {}) {
    const namespace = projectName();
    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    const stackValues = stackFileValues(stack);
    const declared = declaredConfig();
    const missing = Object.keys(declared).filter(
        (key) => declared[key].default === undefined && !(`${namespace}:${key}` in stackValues) && !(key in overrides && overrides[key] !== null),
    );
    const refusal = missingKeysError(stack, missing);
    if (refusal) throw new Error(refusal);
    for (const [key, decl] of Object.entries(declared)) {
        if (decl.default !== undefined) values[`${namespace}:${key}`] = String(decl.default);
    }
    for (const [key, value] of Object.entries(stackValues)) {
        if (typeof value === "object" && value !== null && "secure" in value) {
            throw new Error(`${key} in Pulumi.${stack}.yaml is encrypted; tests cannot decrypt it`);
        }
        // Structured config reaches the program as JSON text, as the CLI hands it over.
        values[key] = typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
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
