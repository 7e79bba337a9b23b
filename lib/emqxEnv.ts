/** Renders EMQX 5.1 configuration as container environment variables (EMQX_ prefix, `__` for a dot). */

/** What the broker's environment is rendered from. */
export interface EmqxEnvInput {
    /** Erlang node name, name@host. */
    nodeName: string;
    /** Console log level. */
    logLevel: string;
    /** Dashboard administrator created on the first boot of a data volume. */
    dashboardUsername: string;
    /** That administrator's password (applied on first boot only). */
    dashboardPassword: string;
    /** Erlang distribution cookie; undefined keeps EMQX's default. */
    nodeCookie?: string;
    /** Turn on the built-in database authenticator, which refuses clients it does not know. */
    builtInAuthentication: boolean;
    /** Paths inside the container of the broker's own certificate, key and CA; undefined keeps the test certificates. */
    tlsFiles?: { certfile: string; keyfile: string; cacertfile?: string };
}

/** The TLS listeners whose certificates `tlsFiles` replaces. */
const tlsListeners = ["SSL", "WSS"];

/**
 * EMQX parses values as HOCON, where ":", "#" or "=" would change their meaning, so such strings
 * are quoted. Plain words stay bare: bin/emqx reads the node name and cookie as raw shell text.
 */
function hoconString(value: string): string {
    return /^[A-Za-z0-9_.@-]+$/.test(value) ? value : JSON.stringify(value);
}

/** The `NAME=value` lines for the container, sorted so the list is stable across runs. */
export function renderEmqxEnv(input: EmqxEnvInput): string[] {
    const vars: Record<string, string> = {
        EMQX_NODE__NAME: hoconString(input.nodeName),
        EMQX_LOG__CONSOLE__LEVEL: input.logLevel,
        EMQX_DASHBOARD__DEFAULT_USERNAME: hoconString(input.dashboardUsername),
        EMQX_DASHBOARD__DEFAULT_PASSWORD: hoconString(input.dashboardPassword),
    };
    if (input.nodeCookie !== undefined) {
        vars.EMQX_NODE__COOKIE = hoconString(input.nodeCookie);
    }
    if (input.builtInAuthentication) {
        // One authenticator in the global chain: a client it does not know is refused (chain exhausted).
        vars.EMQX_AUTHENTICATION__1__MECHANISM = "password_based";
        vars.EMQX_AUTHENTICATION__1__BACKEND = "built_in_database";
        vars.EMQX_AUTHENTICATION__1__USER_ID_TYPE = "username";
    }
    for (const listener of input.tlsFiles ? tlsListeners : []) {
        const prefix = `EMQX_LISTENERS__${listener}__DEFAULT__SSL_OPTIONS__`;
        for (const [option, file] of Object.entries(input.tlsFiles!)) {
            if (file !== undefined) vars[`${prefix}${option.toUpperCase()}`] = hoconString(file);
        }
    }
    return Object.keys(vars)
        .sort()
        .map((name) => `${name}=${vars[name]}`);
}
