/**
 * Stack configuration: every key the program reads, parsed and validated in one pass, with no
 * Pulumi inside. Defaults live in Pulumi.yaml (the CLI merges them); a key that reaches this code
 * unset is an error, never a silent default. Each concern has its validator in settingsRules.ts.
 */
import { ConfigReader, type ConfigSource } from "./configReader";
import {
    validateAddressing,
    validateCheckHost,
    validateImage,
    validateLimits,
    validateMqttAccess,
    validateNodeName,
    validateNodes,
    validatePorts,
    validateSecrets,
    validateTls,
} from "./settingsRules";
import { type Authorization, validateAuthorization } from "./authorization";
import { type EmqxSetting, validateEmqxConfig } from "./emqxConfig";
import { type EngineSettings, validateEngine } from "./engine";
import type { TlsFacts, TlsPem } from "./tls";
import type { MqttUser, PortBinding } from "./types";

export type { ConfigSource } from "./configReader";
export type { MqttUser, PortBinding } from "./types";

export const restartPolicies = ["no", "on-failure", "always", "unless-stopped"] as const;
export const logLevels = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] as const;
export const retainerStorages = ["ram", "disc"] as const;

/** Everything the program needs, validated. Secret values are plain text here; the loader wraps them. */
export interface Settings extends EngineSettings {
    image: string;
    containerName: string;
    networkName: string;
    subnet: string;
    containerIp: string;
    restart: (typeof restartPolicies)[number];
    nodeName: string;
    /** How many EMQX nodes form the cluster; 1 is a single broker. */
    nodes: number;
    ports: PortBinding[];
    logLevel: (typeof logLevels)[number];
    memoryMb: number;
    nofileLimit: number;
    logMaxSize: string;
    logMaxFiles: number;
    noNewPrivileges: boolean;
    keepVolumesOnDestroy: boolean;
    allowInsecureDefaults: boolean;
    /** Accept MQTT clients without credentials; only allowed, and then required, when there are no accounts. */
    allowAnonymous: boolean;
    dashboardUsername: string;
    dashboardPassword: string;
    nodeCookie: string | undefined;
    /** MQTT accounts; when there are any, anonymous clients are refused. */
    mqttUsers: MqttUser[];
    /** The broker's own certificate, or undefined to keep the image's test certificates. */
    tls: (TlsPem & TlsFacts) | undefined;
    /** Who may publish and subscribe where. */
    authorization: Authorization;
    /** Where EMQX keeps retained messages: `disc` outlives a replaced container on the kept data volume. */
    retainerStorage: (typeof retainerStorages)[number];
    /** Further EMQX settings from emqx:emqxConfig. */
    emqxConfig: EmqxSetting[];
    /** Whether the stack stores emqx:emqxConfig encrypted, so its values stay secret. */
    emqxConfigSecret: boolean;
    checkHost: string;
    checkTimeoutSeconds: number;
    /** Things that deploy but deserve a look, one line each. */
    warnings: string[];
}

/** A configuration problem; `problems` holds one line per bad key, each naming the key. */
export class ConfigError extends Error {
    constructor(
        readonly problems: string[],
        subject = "stack configuration",
    ) {
        super(`invalid ${subject}:\n  ${problems.join("\n  ")}`);
        this.name = "ConfigError";
    }
}

/** Parses and validates every key, each named in problems by `label`; throws one ConfigError listing every problem found. */
export function parseSettings(source: ConfigSource, label: (key: string) => string, now = new Date(), subject?: string): Settings {
    const r = new ConfigReader(source, label);
    const image = validateImage(r);
    const nodeName = validateNodeName(r);
    const { swarmHostsGiven, ...engine } = validateEngine(r, nodeName);
    const swarm = engine.engine === "swarm" ? { hosts: swarmHostsGiven, shared: engine.swarmSharedHosts } : undefined;
    const { subnet, containerIp } = validateAddressing(r, swarm !== undefined);
    const ports = validatePorts(r, swarm !== undefined);
    const containerName = r.name("containerName");
    const nodes = validateNodes(r, { subnet, containerIp, nodeName, containerName, ports }, swarm);
    const limits = validateLimits(r);
    const checkHost = validateCheckHost(r, swarm !== undefined);
    // An unreadable value counts as dev's leniency, so its one problem is not joined by others.
    const allowInsecureDefaults = r.boolean("allowInsecureDefaults", true);
    const strict = !allowInsecureDefaults;
    const dashboardUsername = r.text("dashboardUsername");
    if (r.has("dashboardUsername") && dashboardUsername === "") r.fail("dashboardUsername", "is empty; give the dashboard administrator a name");
    const secrets = validateSecrets(r, strict);
    const { accountNames, ...access } = validateMqttAccess(r, strict);
    const warnings: string[] = [];
    const tls = validateTls(r, strict, now, warnings);
    const noNewPrivileges = r.boolean("noNewPrivileges");
    if (swarm && (limits.nofileLimit > 0 || noNewPrivileges)) {
        warnings.push(`on Swarm, ${r.label("nofileLimit")} and ${r.label("noNewPrivileges")} are not applied: a service cannot ask for them; set default-ulimits and no-new-privileges in each host's daemon.json`);
    }
    const authorization = validateAuthorization(r, strict, { usernames: access.mqttUsers.map((u) => u.username), named: accountNames });
    const settings: Settings = {
        ...engine,
        image,
        containerName,
        networkName: r.name("networkName"),
        subnet,
        containerIp,
        restart: r.oneOf("restart", restartPolicies),
        nodeName,
        nodes,
        ports,
        logLevel: r.oneOf("logLevel", logLevels),
        ...limits,
        noNewPrivileges,
        keepVolumesOnDestroy: r.boolean("keepVolumesOnDestroy"),
        allowInsecureDefaults,
        dashboardUsername,
        ...secrets,
        ...access,
        tls,
        authorization,
        retainerStorage: r.oneOf("retainerStorage", retainerStorages),
        emqxConfig: validateEmqxConfig(r),
        emqxConfigSecret: r.source.isSecret("emqxConfig"),
        checkHost,
        checkTimeoutSeconds: r.integer("checkTimeoutSeconds", 1, 3600),
        warnings,
    };
    if (r.problems.length > 0) throw new ConfigError(r.problems, subject);
    return settings;
}
