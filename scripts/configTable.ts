/**
 * The README's configuration table, made from Pulumi.yaml (keys, defaults, descriptions) and the
 * dev and prod stack files, so the two cannot drift: `npm run docs:config` rewrites it between
 * its markers, and tests/configDocs.test.ts fails when the README holds anything else.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const tableStart = "<!-- config-table:start (npm run docs:config writes it from Pulumi.yaml) -->";
export const tableEnd = "<!-- config-table:end -->";

/** Keys Pulumi.yaml cannot declare, being structured config; documented here instead, each after the key it follows. */
const structuredRows = [
    {
        after: "allowAnonymous",
        key: "mqttUsers",
        description:
            "MQTT accounts, a list of `{username, password}` (structured config, so `Pulumi.yaml` cannot declare it). When it has entries, " +
            "anonymous and unknown clients are refused, and every other account in EMQX's built-in database is deleted. Required unless " +
            "`allowAnonymous`. Passwords at least 8 characters and secrets (`--path --secret`, unless `allowInsecureDefaults`); see below",
    },
    {
        after: "mqttUsers",
        key: "mqttAcl",
        description:
            "MQTT authorization rules, a list of `{username, permission, action, topic}` (structured config): `permission` `allow` or `deny`, " +
            "`action` `publish`, `subscribe` or `all`, `topic` a filter that may hold `${username}` and `${clientid}`, or `eq ` and a filter " +
            "matched as written; without `username`, a rule is for every client. EMQX applies an account's rules, then those for all, first match " +
            "wins. The stack owns EMQX's built-in-database authorization source: rules it does not list are deleted; see below",
    },
    {
        after: "dockerKey",
        key: "swarmHosts",
        description:
            "on Swarm, one host per node, in order (structured config): `hostname` (or `label` `key=value` of a node label) to pin the node to, " +
            "`address` the check and URLs dial (default the hostname), and optionally `dockerHost`, that host's own engine, so the stack makes " +
            "and removes the node's volumes there; without it Swarm makes them and they outlive the stack. No host twice unless `swarmSharedHosts`",
    },
    {
        after: "retainerStorage",
        key: "emqxConfig",
        description:
            "any other EMQX setting, a map of configuration paths to values (structured config), e.g. `mqtt.max_packet_size: 1MB`, passed as " +
            "`EMQX_*` environment variables. Paths the stack sets from its own keys, and roots EMQX 5.1 does not have, are refused; see below",
    },
];
/** The structured keys, which only the README and the program know. */
export const structuredKeys = structuredRows.map((row) => row.key);

interface Declared {
    type: string;
    description: string;
    default?: unknown;
}

const code = (value: unknown) => (value === "" ? '`""`' : `\`${String(value)}\``);

/** The Markdown table, one row per key in Pulumi.yaml's order, each structured key after the one it follows. */
export function renderConfigTable(root: string): string {
    const read = (file: string) => parse(readFileSync(path.join(root, file), "utf8")) ?? {};
    const project = read("Pulumi.yaml");
    const namespace: string = project.name;
    const stackValue = (file: string, key: string) => {
        const config = read(file).config ?? {};
        const fullKey = `${namespace}:${key}`;
        return fullKey in config ? code(config[fullKey]) : "";
    };
    const rows = ["| key | default | dev | prod | meaning |", "|---|---|---|---|---|"];
    const addStructuredAfter = (key: string): void => {
        for (const row of structuredRows.filter((r) => r.after === key)) {
            rows.push(`| \`${row.key}\` | none | | | ${row.description} |`);
            addStructuredAfter(row.key);
        }
    };
    for (const [key, declared] of Object.entries(project.config as Record<string, Declared>)) {
        rows.push(`| \`${key}\` | ${code(declared.default)} | ${stackValue("Pulumi.dev.yaml", key)} | ${stackValue("Pulumi.prod.yaml", key)} | ${declared.description} |`);
        addStructuredAfter(key);
    }
    return rows.join("\n");
}

/** The table the README holds between its markers. */
export function readmeConfigTable(readme: string): string | undefined {
    const start = readme.indexOf(tableStart);
    const end = readme.indexOf(tableEnd);
    return start < 0 || end < start ? undefined : readme.slice(start + tableStart.length, end).trim();
}

if (require.main === module) {
    const root = path.resolve(__dirname, "..", "..");
    const readmePath = path.join(root, "README.md");
    const readme = readFileSync(readmePath, "utf8");
    if (readmeConfigTable(readme) === undefined) {
        process.stderr.write(`docs:config: README.md has no ${tableStart} … ${tableEnd} section\n`);
        process.exit(1);
    }
    const before = readme.slice(0, readme.indexOf(tableStart) + tableStart.length);
    const after = readme.slice(readme.indexOf(tableEnd));
    writeFileSync(readmePath, `${before}\n${renderConfigTable(root)}\n${after}`);
    process.stdout.write("README.md configuration table written from Pulumi.yaml\n");
}
