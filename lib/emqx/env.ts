/** Renders EMQX 5.1 configuration as container environment variables (EMQX_ prefix, `__` for a dot). */

/** What the broker's environment is rendered from. */
export interface EmqxEnvInput {
    /** Erlang node name, name@host. */
    nodeName: string;
    /** Console log level. */
    logLevel: string;
    /** Dashboard administrator created on the first boot of a data volume. */
    dashboardUsername: string;
    /** That administrator's password on the first boot of a data volume; later changes go through EMQX's API. */
    firstBootPassword: string;
    /** Erlang distribution cookie; undefined keeps EMQX's default. */
    nodeCookie?: string;
    /** Turn on the built-in database authenticator, which refuses clients it does not know. */
    builtInAuthentication: boolean;
    /** Node names every node of a cluster seeds from (static discovery); undefined for a single broker. */
    clusterSeeds?: string[];
    /** Paths inside the container of the broker's own certificate, key and CA; undefined keeps the test certificates. */
    tlsFiles?: { certfile: string; keyfile: string; cacertfile?: string };
    /** The stack's authorization: what an unmatched request gets; undefined leaves EMQX's defaults (acl.conf, allow). */
    authorization?: { noMatch: "allow" | "deny" };
    /** Keep retained messages on disc (the data volume); false leaves EMQX's default, RAM. */
    retainOnDisc: boolean;
    /** Further settings: environment variable to HOCON value (emqx:emqxConfig). */
    settings: { variable: string; hocon: string }[];
}

/**
 * The authorization sources: the built-in database (which the stack fills through EMQX's API),
 * followed, unless unmatched requests are denied, by EMQX's default file source, whose acl.conf
 * keeps remote clients off `$SYS/#` and `#` and ends with `{allow, all}` (which would make a deny
 * for unmatched requests mean nothing). Set as a whole array, they win over the dashboard at every start.
 */
function authorizationSources(noMatch: "allow" | "deny"): string {
    const sources = [`{type = "built_in_database", enable = true}`];
    if (noMatch === "allow") sources.push(`{type = "file", enable = true, path = "/opt/emqx/etc/acl.conf"}`);
    return `[${sources.join(", ")}]`;
}

/** The TLS listeners whose certificates `tlsFiles` replaces. */
const tlsListeners = ["SSL", "WSS"];

/**
 * EMQX parses every EMQX_* value as HOCON, where a bare 12345678 is a number and ":", "#" or "="
 * change the meaning, so every string is quoted (JSON string syntax is HOCON's).
 */
function hoconString(value: string): string {
    return JSON.stringify(value);
}

/**
 * One password_based:built_in_database authenticator: a client it does not know is refused (chain
 * exhausted). The whole array creates it whatever the chain held before, as EMQX's maintainers
 * advise; the indexed keys that follow it (EMQX applies variables in name order) set the same fields
 * of that same element, the form many compose files and this project's test stand-in use.
 */
const builtInAuthenticator = { mechanism: "password_based", backend: "built_in_database", user_id_type: "username" };

/**
 * The Erlang VM's own flags for a cluster node (the VM reads ERL_FLAGS itself). OTP 25's `global`
 * prevents overlapping partitions by default: when a node comes back after its host was lost, it
 * can disconnect two nodes that never lost each other, and EMQX 5.1's database then stays split
 * between them (Mnesia's "running_partitioned_network") while every node still lists all as
 * running, so messages stop crossing between them until a node restarts. EMQX turned it off
 * itself in later releases (cluster.prevent_overlapping_partitions, default false).
 */
const clusterVmFlags = "-kernel prevent_overlapping_partitions false";

/** The variables that carry a secret (the first-boot password, the cookie): only their lines are kept secret. */
const secretNames = new Set(["EMQX_DASHBOARD__DEFAULT_PASSWORD", "EMQX_NODE__COOKIE"]);

/** Whether a `NAME=value` line carries a secret. */
export function isSecretEnvLine(line: string): boolean {
    return secretNames.has(line.slice(0, line.indexOf("=")));
}

/** The `NAME=value` lines for the container, sorted by name, so the list is stable across runs and its shape does not depend on secret values. */
export function renderEmqxEnv(input: EmqxEnvInput): string[] {
    // bin/emqx hands the node name and cookie to the Erlang VM as raw text, so they stay unquoted
    // (validation keeps them to characters that need no quoting).
    const vars: Record<string, string> = {
        EMQX_NODE__NAME: input.nodeName,
        EMQX_LOG__CONSOLE__LEVEL: hoconString(input.logLevel),
        EMQX_DASHBOARD__DEFAULT_USERNAME: hoconString(input.dashboardUsername),
        EMQX_DASHBOARD__DEFAULT_PASSWORD: hoconString(input.firstBootPassword),
    };
    if (input.nodeCookie !== undefined) {
        vars.EMQX_NODE__COOKIE = input.nodeCookie;
    }
    if (input.builtInAuthentication) {
        const fields = Object.entries(builtInAuthenticator);
        vars.EMQX_AUTHENTICATION = `[{${fields.map(([field, value]) => `${field} = ${hoconString(value)}`).join(", ")}}]`;
        for (const [field, value] of fields) {
            vars[`EMQX_AUTHENTICATION__1__${field.toUpperCase()}`] = hoconString(value);
        }
    }
    if (input.clusterSeeds) {
        vars.EMQX_CLUSTER__DISCOVERY_STRATEGY = hoconString("static");
        vars.EMQX_CLUSTER__STATIC__SEEDS = `[${input.clusterSeeds.map(hoconString).join(", ")}]`;
        vars.ERL_FLAGS = clusterVmFlags;
    }
    if (input.authorization) {
        vars.EMQX_AUTHORIZATION__NO_MATCH = hoconString(input.authorization.noMatch);
        vars.EMQX_AUTHORIZATION__SOURCES = authorizationSources(input.authorization.noMatch);
    }
    if (input.retainOnDisc) {
        vars.EMQX_RETAINER__BACKEND__STORAGE_TYPE = hoconString("disc");
    }
    for (const { variable, hocon } of input.settings) {
        vars[variable] = hocon;
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
