/**
 * `emqxConfig` (structured config): any EMQX setting by its configuration path, e.g.
 * `mqtt.max_packet_size: 1MB`, rendered into the container's environment as EMQX reads it
 * (`EMQX_MQTT__MAX_PACKET_SIZE="1MB"`). Paths the stack sets itself are refused with the key to
 * use, and so are roots EMQX 5.1 does not have. Plain TypeScript.
 */
import type { ConfigReader } from "./configReader";

/** One setting: its path, the environment variable EMQX reads it from, and the value as HOCON. */
export interface EmqxSetting {
    path: string;
    variable: string;
    hocon: string;
}

/** The configuration roots of EMQX 5.1.4's open-source edition (emqx_conf_schema:roots/0). */
const emqxRoots = new Set([
    "listeners", "mqtt", "zones", "authentication", "authorization", "node", "cluster", "log", "rpc", "broker", "sys_topics",
    "force_shutdown", "overload_protection", "force_gc", "conn_congestion", "stats", "sysmon", "alarm", "flapping_detect",
    "persistent_session_store", "trace", "crl_cache", "bridges", "retainer", "auto_subscribe", "telemetry", "delayed", "rewrite",
    "topic_metrics", "plugins", "dashboard", "gateway", "prometheus", "rule_engine", "exhook", "psk_authentication", "limiter",
    "slow_subs", "api_key",
]);

/** Paths the stack sets from its own keys: set here, they would fight the key (or be silently overridden by it). */
const ownedPaths: [path: string, key: string][] = [
    ["node.name", "nodeName"],
    ["node.cookie", "nodeCookie"],
    ["dashboard.default_username", "dashboardUsername"],
    ["dashboard.default_password", "dashboardPassword"],
    ["authentication", "mqttUsers"],
    ["authorization.sources", "mqttAcl"],
    ["authorization.no_match", "authorizationNoMatch"],
    ["cluster.discovery_strategy", "nodes"],
    ["cluster.static", "nodes"],
    ...["ssl", "wss"].flatMap((listener): [string, string][] => [
        [`listeners.${listener}.default.ssl_options.certfile`, "tlsCertificate"],
        [`listeners.${listener}.default.ssl_options.keyfile`, "tlsPrivateKey"],
        [`listeners.${listener}.default.ssl_options.cacertfile`, "tlsCaCertificate"],
    ]),
    ["log.console.level", "logLevel"],
    ["log.console_handler.level", "logLevel"],
    ["retainer.backend.storage_type", "retainerStorage"],
];

const pathShape = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;

/** What is wrong with setting `path`, if anything. */
function pathProblem(path: string): string | undefined {
    if (!pathShape.test(path)) return "is not an EMQX configuration path: lower-case names joined by dots, e.g. mqtt.max_packet_size";
    const root = path.split(".")[0];
    if (!emqxRoots.has(root)) return `starts with "${root}", which is not a configuration root of EMQX 5.1`;
    const owned = ownedPaths.find(([owned]) => owned === path || path.startsWith(`${owned}.`) || owned.startsWith(`${path}.`));
    if (owned) return `${owned[0] === path || path.startsWith(`${owned[0]}.`) ? "is" : "holds"} ${owned[0]}, which the stack sets from emqx:${owned[1]}; set that key instead`;
    return undefined;
}

/** The environment variable EMQX reads `path` from: EMQX_, then the path with `__` for each dot. */
export function emqxVariable(path: string): string {
    return `EMQX_${path.split(".").join("__").toUpperCase()}`;
}

/** `emqxConfig`: unset means none; a map of paths to text, numbers, booleans, lists or maps (JSON is HOCON). */
export function validateEmqxConfig(r: ConfigReader): EmqxSetting[] {
    const map = r.structured<Record<string, unknown>>("emqxConfig", {}, "expected EMQX configuration paths with their values, e.g. `pulumi config set --path 'emqxConfig[\"mqtt.max_packet_size\"]' 1MB`");
    const settings: EmqxSetting[] = [];
    for (const [path, value] of Object.entries(map)) {
        const problem = pathProblem(path) ?? (value === null ? "has no value" : undefined);
        if (problem) r.fail(`emqxConfig["${path}"]`, problem);
        else settings.push({ path, variable: emqxVariable(path), hocon: JSON.stringify(value) });
    }
    return settings;
}
