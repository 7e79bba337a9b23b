/**
 * Typed reads of raw stack configuration that collect problems instead of throwing: every getter
 * returns a value of its type (a harmless stand-in when the key is bad, which never escapes
 * because the caller throws once any problem was recorded) and records one line naming the key.
 */
import { parseIpv4 } from "./ipv4";

/** Reads raw stack configuration values, as the Pulumi CLI hands them to the program. */
export interface ConfigSource {
    /** The raw text of a key of this project's namespace, or undefined when unset. */
    get(key: string): string | undefined;
    /** Whether the stack stores the key encrypted (`pulumi config set --secret`). */
    isSecret(key: string): boolean;
}

const dockerName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class ConfigReader {
    /** One line per problem, each naming the key, e.g. `emqx:mqttPort is "x"; expected …`. */
    readonly problems: string[] = [];

    constructor(
        readonly source: ConfigSource,
        /** How a problem names a key: `emqx:mqttPort` for the stack's configuration, `mqttPort` for a Deployment's argument. */
        readonly label: (key: string) => string,
    ) {}

    /** Records a problem with `key`. */
    fail(key: string, message: string): void {
        this.problems.push(`${this.label(key)} ${message}`);
    }

    /** The raw text, or undefined (recorded as a problem): Pulumi.yaml declares a default for every key. */
    private raw(key: string): string | undefined {
        const value = this.source.get(key);
        if (value === undefined) this.fail(key, "is not set (Pulumi.yaml declares its default)");
        return value;
    }

    /** Whether the key has a value at all (every declared key does, through its default). */
    has(key: string): boolean {
        return this.source.get(key) !== undefined;
    }

    /** The raw text. */
    text(key: string): string {
        return this.raw(key) ?? "";
    }

    /** A Docker object name. */
    name(key: string): string {
        const value = this.raw(key);
        if (value === undefined) return "";
        if (value === "") this.fail(key, "is empty; give it a name");
        else if (!dockerName.test(value)) this.fail(key, `is "${value}"; use letters, digits, "_", "." and "-", starting with a letter or digit`);
        return value;
    }

    /** A whole number from `min` to `max`. */
    integer(key: string, min: number, max: number): number {
        const value = this.raw(key);
        if (value === undefined) return NaN;
        const n = /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
        if (!(n >= min && n <= max)) this.fail(key, `is "${value}"; expected a whole number from ${min} to ${max}`);
        return n;
    }

    /** true or false; `whenBad` stands in for a bad value. */
    boolean(key: string, whenBad = false): boolean {
        const value = this.raw(key);
        if (value === undefined) return whenBad;
        if (value === "true" || value === "false") return value === "true";
        this.fail(key, `is "${value}"; expected true or false`);
        return whenBad;
    }

    /** One of `allowed`. */
    oneOf<T extends string>(key: string, allowed: readonly T[]): T {
        const value = this.raw(key);
        if (value === undefined) return allowed[0];
        const found = allowed.find((candidate) => candidate === value);
        if (found === undefined) this.fail(key, `is "${value}"; expected one of ${allowed.join(", ")}`);
        return found ?? allowed[0];
    }

    /**
     * Structured config (a list or a map, which Pulumi.yaml cannot declare), as the CLI hands it
     * over: JSON text. Unset means `empty`; a value of the wrong shape is recorded with `hint`.
     */
    structured<T extends unknown[] | Record<string, unknown>>(key: string, empty: T, hint: string): T {
        const raw = this.source.get(key);
        if (raw === undefined || raw === "") return empty;
        let value: unknown;
        try {
            value = JSON.parse(raw);
        } catch {
            value = undefined;
        }
        const isList = Array.isArray(empty);
        if (typeof value !== "object" || value === null || Array.isArray(value) !== isList) {
            this.fail(key, `is not a ${isList ? "list" : "map"}; ${hint}`);
            return empty;
        }
        return value as T;
    }

    /** A dotted-quad IPv4 address. */
    ipv4(key: string): string {
        const value = this.raw(key);
        if (value === undefined) return "";
        if (parseIpv4(value) === undefined) this.fail(key, `is "${value}", which is not an IPv4 address`);
        return value;
    }
}
