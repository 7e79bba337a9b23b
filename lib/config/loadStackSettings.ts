/** Reads the stack's configuration through the Pulumi runtime, validated, as a Deployment's arguments. */
import * as pulumi from "@pulumi/pulumi";
import type { DeploymentArgs } from "../../components/deploymentArgs";
import { configDefaults, structuredKeys } from "./defaults";
import { ConfigError, type MqttUser, parseSettings, type Settings } from "./settings";

// isConfigSecret is exported by the runtime but left out of its typings; Config.get uses it to warn.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** Validated settings whose secret values never leave Pulumi's secret wrapper. */
export type StackSettings = Omit<Settings, "dashboardPassword" | "nodeCookie" | "mqttUsers" | "tls"> & {
    dashboardPassword: pulumi.Output<string>;
    nodeCookie: pulumi.Output<string> | undefined;
    /** Accounts with their passwords, all secret. */
    mqttUsers: pulumi.Output<MqttUser[]>;
    /** Just the account names, in configuration order. */
    mqttUsernames: string[];
    tls: (Omit<NonNullable<Settings["tls"]>, "privateKey"> & { privateKey: pulumi.Output<string> }) | undefined;
};

/** The settings with every secret value wrapped as a Pulumi secret. */
export function withSecretsWrapped(settings: Settings): StackSettings {
    return {
        ...settings,
        dashboardPassword: pulumi.secret(settings.dashboardPassword),
        nodeCookie: settings.nodeCookie === undefined ? undefined : pulumi.secret(settings.nodeCookie),
        mqttUsers: pulumi.secret(settings.mqttUsers),
        mqttUsernames: settings.mqttUsers.map((u) => u.username),
        tls: settings.tls && { ...settings.tls, privateKey: pulumi.secret(settings.tls.privateKey) },
    };
}

/** A key as the stack's configuration names it: `emqx:mqttPort`. */
export const configKey = (key: string): string => `${pulumi.getProject()}:${key}`;

/**
 * The stack's configuration, validated in full first (problems name `emqx:KEY` and the command
 * that fixes it), as a Deployment's arguments: each key's value in its type, and every key the
 * stack stores encrypted a Pulumi secret. Raw values come from `pulumi.runtime.getConfig`, which
 * does not warn about secrets: the plain text is needed once, here, to validate it.
 */
export function loadStackConfig(): DeploymentArgs {
    const source = { get: (key: string) => pulumi.runtime.getConfig(configKey(key)), isSecret: (key: string) => isConfigSecret(configKey(key)) };
    try {
        parseSettings(source, configKey);
    } catch (err) {
        throw err instanceof ConfigError ? new pulumi.RunError(err.message) : err;
    }
    const defaults: Record<string, unknown> = configDefaults;
    const args: Record<string, unknown> = {};
    for (const key of [...Object.keys(defaults), ...structuredKeys]) {
        const raw = source.get(key);
        if (raw === undefined || (raw === "" && !(key in defaults))) continue;
        const kind = typeof defaults[key];
        const value = kind === "number" ? Number(raw) : kind === "boolean" ? raw === "true" : kind === "string" ? raw : JSON.parse(raw);
        args[key] = source.isSecret(key) ? pulumi.secret(value) : value;
    }
    return args as DeploymentArgs;
}
