/** Reads the stack's configuration through the Pulumi runtime and turns secrets into Pulumi secrets. */
import * as pulumi from "@pulumi/pulumi";
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

/**
 * Raw values come from `pulumi.runtime.getConfig`, which does not warn about secrets: the
 * plain text is needed once, here, to validate it before any resource is declared.
 */
export function loadStackSettings(): StackSettings {
    const namespace = pulumi.getProject();
    const fullKey = (key: string) => `${namespace}:${key}`;
    let settings: Settings;
    try {
        settings = parseSettings(
            {
                get: (key) => pulumi.runtime.getConfig(fullKey(key)),
                isSecret: (key) => isConfigSecret(fullKey(key)),
            },
            namespace,
        );
    } catch (err) {
        if (err instanceof ConfigError) {
            throw new pulumi.RunError(err.message);
        }
        throw err;
    }
    for (const warning of settings.warnings) {
        void pulumi.log.warn(warning);
    }
    return {
        ...settings,
        dashboardPassword: pulumi.secret(settings.dashboardPassword),
        nodeCookie: settings.nodeCookie === undefined ? undefined : pulumi.secret(settings.nodeCookie),
        mqttUsers: pulumi.secret(settings.mqttUsers),
        mqttUsernames: settings.mqttUsers.map((u) => u.username),
        tls: settings.tls && { ...settings.tls, privateKey: pulumi.secret(settings.tls.privateKey) },
    };
}
