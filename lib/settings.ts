/**
 * Stack configuration: every key the program reads, parsed and validated in one pass, with no
 * Pulumi inside. Defaults live in Pulumi.yaml (the CLI merges them); a key that reaches this code
 * unset is an error, never a silent default.
 */
import { parseCidr, parseIpv4 } from "./ipv4";
import { inspectTls, type TlsFacts, type TlsPem } from "./tls";

/** Reads raw stack configuration values, as the Pulumi CLI hands them to the program. */
export interface ConfigSource {
    /** The raw text of a key of this project's namespace, or undefined when unset. */
    get(key: string): string | undefined;
    /** Whether the stack stores the key encrypted (`pulumi config set --secret`). */
    isSecret(key: string): boolean;
}

/** One published EMQX listener. */
export interface PortBinding {
    /** The config key that sets the host port. */
    key: string;
    /** What the port serves, for humans. */
    purpose: string;
    /** The port inside the container. */
    containerPort: number;
    /** The port published on the host. */
    hostPort: number;
    /** The host interface the port is published on. */
    hostIp: string;
}

export const restartPolicies = ["no", "on-failure", "always", "unless-stopped"] as const;
export const logLevels = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] as const;

/** The EMQX listeners the seed compose file publishes; each host port has its own config key. */
export const listeners = [
    { key: "mqttPort", purpose: "MQTT over TCP", containerPort: 1883, dashboard: false },
    { key: "mqttsPort", purpose: "MQTT over TLS", containerPort: 8883, dashboard: false },
    { key: "wsPort", purpose: "MQTT over WebSocket (/mqtt)", containerPort: 8083, dashboard: false },
    { key: "wssPort", purpose: "MQTT over secure WebSocket (/mqtt)", containerPort: 8084, dashboard: false },
    { key: "dashboardPort", purpose: "dashboard and REST API", containerPort: 18083, dashboard: true },
] as const;

/** An MQTT client account in EMQX's built-in database. */
export interface MqttUser {
    username: string;
    password: string;
}

/** Everything the program needs, validated. Secret values are plain text here; the loader wraps them. */
export interface Settings {
    image: string;
    containerName: string;
    networkName: string;
    subnet: string;
    containerIp: string;
    restart: (typeof restartPolicies)[number];
    nodeName: string;
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
    checkHost: string;
    checkTimeoutSeconds: number;
    /** Things that deploy but deserve a look, one line each. */
    warnings: string[];
}

/** A configuration problem; `problems` holds one line per bad key, each naming the key. */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid stack configuration:\n  ${problems.join("\n  ")}`);
        this.name = "ConfigError";
    }
}

const dockerName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const hostname = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const emqxDefaultCookie = "emqxsecretcookie";
const emqxDefaultPassword = "public";
const minSecretLength = 8;
/** The kernel's default fs.nr_open: no process, a container included, may hold more open files. */
export const maxNofileLimit = 1048576;

/**
 * EMQX 5.1's rule for a dashboard password set through its API (emqx_dashboard_admin): 8 to 64
 * printable ASCII characters of at least two kinds (letters, digits, other). The stack changes a
 * password through that API, so a password EMQX would refuse is refused before deploying.
 */
export function dashboardPasswordProblem(password: string): string | undefined {
    if (password.length < minSecretLength || password.length > 64) return `must be ${minSecretLength} to 64 characters long`;
    if (!/^[\x21-\x7e]+$/.test(password)) return "may hold only printable ASCII characters, without spaces";
    const kinds = [/[A-Za-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((kind) => kind.test(password)).length;
    return kinds < 2 ? "needs at least two kinds of characters: letters, digits, others" : undefined;
}

/** Parses and validates every key; throws one ConfigError listing every problem found. */
export function parseSettings(source: ConfigSource, namespace: string, now = new Date()): Settings {
    const problems: string[] = [];
    const fail = (key: string, message: string): undefined => {
        problems.push(`${namespace}:${key} ${message}`);
        return undefined;
    };
    const text = (key: string): string | undefined => {
        const value = source.get(key);
        return value === undefined ? fail(key, "is not set (Pulumi.yaml declares its default)") : value;
    };
    const name = (key: string): string | undefined => {
        const value = text(key);
        if (value === undefined) return undefined;
        if (value === "") return fail(key, "is empty; give it a name");
        return dockerName.test(value)
            ? value
            : fail(key, `is "${value}"; use letters, digits, "_", "." and "-", starting with a letter or digit`);
    };
    const integer = (key: string, min: number, max: number): number | undefined => {
        const value = text(key);
        if (value === undefined) return undefined;
        const n = /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
        return n >= min && n <= max ? n : fail(key, `is "${value}"; expected a whole number from ${min} to ${max}`);
    };
    const boolean = (key: string): boolean | undefined => {
        const value = text(key);
        if (value === undefined) return undefined;
        return value === "true" || value === "false" ? value === "true" : fail(key, `is "${value}"; expected true or false`);
    };
    const oneOf = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
        const value = text(key);
        if (value === undefined) return undefined;
        return (allowed as readonly string[]).includes(value)
            ? (value as T)
            : fail(key, `is "${value}"; expected one of ${allowed.join(", ")}`);
    };
    const ipv4 = (key: string, allowEmpty = false): string | undefined => {
        const value = text(key);
        if (value === undefined || (allowEmpty && value === "")) return value;
        return parseIpv4(value) === undefined ? fail(key, `is "${value}", which is not an IPv4 address`) : value;
    };

    const image = text("image");
    if (image !== undefined) {
        const lastPart = image.slice(image.lastIndexOf("/") + 1);
        const tag = lastPart.includes(":") ? lastPart.slice(lastPart.indexOf(":") + 1) : undefined;
        if (image.trim() === "" || /\s/.test(image)) fail("image", `is "${image}"; expected an image reference like emqx/emqx:5.1.4`);
        else if (!image.includes("@") && tag === undefined) fail("image", `is "${image}" without a tag; pin a version, e.g. ${image}:5.1.4`);
        else if (tag === "latest") fail("image", `is "${image}"; "latest" moves under you, pin a version such as emqx/emqx:5.1.4`);
    }

    const subnet = text("subnet");
    const cidr = subnet === undefined ? undefined : parseCidr(subnet);
    if (typeof cidr === "string") fail("subnet", `"${subnet}" ${cidr}`);

    const containerIp = ipv4("containerIp");
    if (containerIp !== undefined && cidr !== undefined && typeof cidr !== "string") {
        const ip = parseIpv4(containerIp)!;
        if (ip < cidr.network || ip > cidr.broadcast) fail("containerIp", `is ${containerIp}, outside emqx:subnet ${subnet}`);
        else if (ip === cidr.network) fail("containerIp", `is ${containerIp}, the network address of ${subnet}; pick a host address`);
        else if (ip === cidr.broadcast) fail("containerIp", `is ${containerIp}, the broadcast address of ${subnet}; pick a host address`);
        else if (ip === cidr.gateway) fail("containerIp", `is ${containerIp}, the gateway Docker gives ${subnet}; pick another host address`);
    }

    const nodeName = text("nodeName");
    if (nodeName !== undefined) {
        const [node, host, ...rest] = nodeName.split("@");
        const hostOk = host !== undefined && (parseIpv4(host) !== undefined || (host.includes(".") && hostname.test(host)));
        if (rest.length > 0 || !node || !/^[a-zA-Z][a-zA-Z0-9_-]*$/.test(node) || !hostOk) {
            fail("nodeName", `is "${nodeName}"; expected name@host where host is an IPv4 address or a fully qualified name, e.g. emqx@broker.ai4e.internal`);
        }
    }

    const bindAddress = ipv4("bindAddress");
    const dashboardBindAddress = ipv4("dashboardBindAddress");
    const ports: PortBinding[] = [];
    for (const listener of listeners) {
        const hostPort = integer(listener.key, 1, 65535);
        const hostIp = listener.dashboard ? dashboardBindAddress : bindAddress;
        if (hostPort === undefined || hostIp === undefined) continue;
        const clash = ports.find((p) => p.hostPort === hostPort);
        if (clash) {
            fail(listener.key, `is ${hostPort}, the same host port as ${namespace}:${clash.key}; each listener needs its own port`);
            continue;
        }
        ports.push({ key: listener.key, purpose: listener.purpose, containerPort: listener.containerPort, hostPort, hostIp });
    }

    const logMaxSize = text("logMaxSize");
    if (logMaxSize !== undefined && logMaxSize !== "" && !/^[1-9]\d*[kmg]$/.test(logMaxSize)) {
        fail("logMaxSize", `is "${logMaxSize}"; expected a size like 10m (k, m or g), or "" to keep Docker's default logging`);
    }

    const memoryMb = integer("memoryMb", 0, 1048576);
    if (memoryMb !== undefined && memoryMb > 0 && memoryMb < 256) {
        fail("memoryMb", `is ${memoryMb}; EMQX needs at least 256 MB (0 means no limit)`);
    }

    const nofileLimit = integer("nofileLimit", 0, Number.MAX_SAFE_INTEGER);
    if (nofileLimit !== undefined && nofileLimit > maxNofileLimit) {
        fail("nofileLimit", `is ${nofileLimit}, above the kernel's fs.nr_open (${maxNofileLimit} by default), which no container may exceed; use at most ${maxNofileLimit}, or 0 for Docker's default`);
    }

    const checkHost = text("checkHost");
    if (checkHost !== undefined && checkHost !== "" && !hostname.test(checkHost) && checkHost !== "::1") {
        fail("checkHost", `is "${checkHost}"; expected a host name or IP address, or "" to derive it from emqx:bindAddress`);
    }

    const allowInsecureDefaults = boolean("allowInsecureDefaults");
    const dashboardUsername = text("dashboardUsername");
    if (dashboardUsername === "") fail("dashboardUsername", "is empty; give the dashboard administrator a name");
    const dashboardPassword = secret("dashboardPassword", emqxDefaultPassword);
    const nodeCookie = !source.get("nodeCookie") && allowInsecureDefaults ? undefined : secret("nodeCookie", emqxDefaultCookie);

    function secret(key: string, emqxDefault: string): string | undefined {
        const value = source.get(key);
        const setCommand = `pulumi config set --secret ${key} <value>`;
        if (value === undefined || value === "") return fail(key, `is not set; run \`${setCommand}\``);
        if (key === "nodeCookie" && !/^[A-Za-z0-9_-]+$/.test(value)) return fail(key, `may hold only letters, digits, "_" and "-" (bin/emqx passes it to Erlang unquoted)`);
        if (allowInsecureDefaults !== false) return value;
        if (!source.isSecret(key)) return fail(key, `is stored in plain text; set it again with \`${setCommand}\``);
        if (value === emqxDefault) return fail(key, `is EMQX's well-known default; choose your own with \`${setCommand}\``);
        if (value.length < minSecretLength) return fail(key, `is shorter than ${minSecretLength} characters; choose a longer one with \`${setCommand}\``);
        const rule = key === "dashboardPassword" ? dashboardPasswordProblem(value) : undefined;
        if (rule) return fail(key, `${rule} (EMQX's rule for dashboard passwords); choose another with \`${setCommand}\``);
        return value;
    }

    const problemsBeforeUsers = problems.length;
    const mqttUsers = parseMqttUsers(source, allowInsecureDefaults === false, fail);
    const allowAnonymous = boolean("allowAnonymous");
    if (allowAnonymous === false && mqttUsers.length === 0 && problems.length === problemsBeforeUsers) {
        fail(
            "mqttUsers",
            "has no accounts, so anonymous MQTT clients would get in; add one with `pulumi config set --path 'mqttUsers[0].username' <name>` " +
                "and `pulumi config set --path --secret 'mqttUsers[0].password' <value>`, or accept anonymous clients with `pulumi config set allowAnonymous true`",
        );
    } else if (allowAnonymous === true && mqttUsers.length > 0) {
        fail("allowAnonymous", "is true, but emqx:mqttUsers has accounts, and with accounts EMQX refuses clients without credentials; set it to false");
    }
    const warnings: string[] = [];

    const tlsCertificate = text("tlsCertificate");
    const tlsPrivateKey = source.get("tlsPrivateKey") ?? "";
    const tlsCaCertificate = text("tlsCaCertificate");
    let tls: Settings["tls"];
    if (tlsCertificate && tlsPrivateKey && tlsCaCertificate !== undefined) {
        if (allowInsecureDefaults === false && !source.isSecret("tlsPrivateKey")) {
            fail("tlsPrivateKey", "is stored in plain text; set it again with `pulumi config set --secret tlsPrivateKey < key.pem`");
        }
        const pem = { certificate: tlsCertificate, privateKey: tlsPrivateKey, caCertificate: tlsCaCertificate };
        const facts = inspectTls(pem, now, fail);
        tls = facts && { ...pem, ...facts };
    } else if (tlsCertificate || tlsPrivateKey) {
        fail(tlsCertificate ? "tlsPrivateKey" : "tlsCertificate", `is not set; emqx:tlsCertificate and emqx:tlsPrivateKey go together`);
    } else if (tlsCaCertificate) {
        fail("tlsCaCertificate", "is set without emqx:tlsCertificate and emqx:tlsPrivateKey");
    } else if (allowInsecureDefaults === false) {
        warnings.push(
            "the TLS listeners (8883, 8084) serve the test certificates shipped in the EMQX image; " +
                "set emqx:tlsCertificate and emqx:tlsPrivateKey (secret) to serve your own",
        );
    }

    const settings = {
        image,
        containerName: name("containerName"),
        networkName: name("networkName"),
        subnet,
        containerIp,
        restart: oneOf("restart", restartPolicies),
        nodeName,
        ports,
        logLevel: oneOf("logLevel", logLevels),
        memoryMb,
        nofileLimit,
        logMaxSize,
        logMaxFiles: integer("logMaxFiles", 1, 100),
        noNewPrivileges: boolean("noNewPrivileges"),
        keepVolumesOnDestroy: boolean("keepVolumesOnDestroy"),
        allowInsecureDefaults,
        allowAnonymous,
        dashboardUsername,
        dashboardPassword,
        nodeCookie,
        mqttUsers,
        tls,
        checkHost,
        checkTimeoutSeconds: integer("checkTimeoutSeconds", 1, 3600),
        warnings,
    };
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return settings as Settings;
}

/**
 * `mqttUsers` is structured config (a list of {username, password}), which Pulumi.yaml cannot
 * declare; unset means no accounts. The CLI marks the whole key secret when any password in it is.
 */
function parseMqttUsers(source: ConfigSource, strict: boolean, fail: (key: string, message: string) => undefined): MqttUser[] {
    const key = "mqttUsers";
    const raw = source.get(key);
    if (raw === undefined || raw === "") return [];
    const shape = "expected a list of {username, password}, e.g. `pulumi config set --path 'mqttUsers[0].username' app` " +
        "and `pulumi config set --path --secret 'mqttUsers[0].password' <value>`";
    let list: unknown;
    try {
        list = JSON.parse(raw);
    } catch {
        list = undefined;
    }
    if (!Array.isArray(list)) return fail(key, `is not a list; ${shape}`) ?? [];
    const users: MqttUser[] = [];
    list.forEach((entry: unknown, index) => {
        const at = `${key}[${index}]`;
        const { username, password } = (entry ?? {}) as Record<string, unknown>;
        const numeric = typeof username === "number" ? "username" : typeof password === "number" ? "password" : undefined;
        if (numeric) {
            // `config set --path` stores digits-only values as numbers, which would lose digits.
            fail(`${at}.${numeric}`, `is a number, not text; set it again with \`pulumi config set --path --type string ${numeric === "password" ? "--secret " : ""}'${at}.${numeric}' <value>\``);
        } else if (typeof username !== "string" || typeof password !== "string") {
            fail(at, `needs a username and a password (text); ${shape}`);
        } else if (!/^[\x21-\x7e]{1,100}$/.test(username)) {
            fail(`${at}.username`, "must be 1 to 100 printable ASCII characters without spaces");
        } else if (users.some((u) => u.username === username)) {
            fail(`${at}.username`, `repeats "${username}"; each user appears once`);
        } else if (password === "") {
            fail(`${at}.password`, "is empty");
        } else if (strict && password.length < minSecretLength) {
            fail(`${at}.password`, `is shorter than ${minSecretLength} characters`);
        } else {
            users.push({ username, password });
        }
    });
    if (strict && users.length > 0 && !source.isSecret(key)) {
        fail(key, "holds its passwords in plain text; set each again with `pulumi config set --path --secret 'mqttUsers[N].password' <value>`");
    }
    return users;
}
