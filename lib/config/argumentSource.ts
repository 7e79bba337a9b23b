/**
 * A Deployment's arguments as a ConfigSource, so they pass the very rules the stack's
 * configuration does: a value left out takes its default, and every value travels as the text the
 * CLI would hand over (structured ones as JSON). Plain TypeScript, no Pulumi.
 */
import type { ConfigSource } from "./configReader";
import { configDefaults, structuredKeys } from "./defaults";

/** Every argument a Deployment takes: the stack's configuration keys. */
export const argumentNames: ReadonlySet<string> = new Set([...Object.keys(configDefaults), ...structuredKeys]);

/** The source, and one problem per argument the Deployment does not take. */
export function argumentSource(args: Record<string, unknown>, secretArguments: ReadonlySet<string>): { source: ConfigSource; unknown: string[] } {
    const defaults: Record<string, string | number | boolean> = configDefaults;
    const given = (key: string) => (args[key] === undefined || args[key] === null ? defaults[key] : args[key]);
    return {
        source: {
            get(key) {
                const value = given(key);
                if (value === undefined) return undefined;
                return typeof value === "object" ? JSON.stringify(value) : String(value);
            },
            isSecret: (key) => secretArguments.has(key),
        },
        unknown: Object.keys(args).filter((key) => !argumentNames.has(key) && args[key] !== undefined),
    };
}
