/**
 * One validator per concern of the stack configuration. Each reads its keys through a
 * ConfigReader, records one line per problem naming the key, and returns typed values.
 */
import { clusterLayout } from "./clusterLayout";
import type { ConfigReader } from "./configReader";
import { parseCidr, parseIpv4 } from "./ipv4";
import { inspectTls, type TlsFacts, type TlsPem } from "./tls";
import { hostsExample } from "./engine";
import type { MqttUser, PortBinding } from "./types";

/** The EMQX listeners the seed compose file publishes; each host port has its own config key. */
export const listeners = [
    { key: "mqttPort", purpose: "MQTT over TCP", containerPort: 1883, dashboard: false },
    { key: "mqttsPort", purpose: "MQTT over TLS", containerPort: 8883, dashboard: false },
    { key: "wsPort", purpose: "MQTT over WebSocket (/mqtt)", containerPort: 8083, dashboard: false },
    { key: "wssPort", purpose: "MQTT over secure WebSocket (/mqtt)", containerPort: 8084, dashboard: false },
    { key: "dashboardPort", purpose: "dashboard and REST API", containerPort: 18083, dashboard: true },
] as const;

const hostname = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const minSecretLength = 8;
/** The kernel's default fs.nr_open: no process, a container included, may hold more open files. */
export const maxNofileLimit = 1048576;

/** `image`: a reference pinned to a tag or digest. */
export function validateImage(r: ConfigReader): string {
    const image = r.text("image");
    if (!r.has("image")) return image;
    const lastPart = image.slice(image.lastIndexOf("/") + 1);
    const tag = lastPart.includes(":") ? lastPart.slice(lastPart.indexOf(":") + 1) : undefined;
    if (image.trim() === "" || /\s/.test(image)) r.fail("image", `is "${image}"; expected an image reference like emqx/emqx:5.1.4`);
    else if (!image.includes("@") && tag === undefined) r.fail("image", `is "${image}" without a tag; pin a version, e.g. ${image}:5.1.4`);
    else if (tag === "latest") r.fail("image", `is "${image}"; "latest" moves under you, pin a version such as emqx/emqx:5.1.4`);
    return image;
}

/** `subnet` and `containerIp`: a host address inside the subnet that Docker does not reserve (on Swarm, whose tasks get no fixed IP, the IP is not used). */
export function validateAddressing(r: ConfigReader, swarm: boolean): { subnet: string; containerIp: string } {
    const subnet = r.text("subnet");
    const cidr = parseCidr(subnet);
    if (typeof cidr === "string" && r.has("subnet")) r.fail("subnet", `"${subnet}" ${cidr}`);
    const containerIp = r.ipv4("containerIp");
    const ip = parseIpv4(containerIp);
    if (ip !== undefined && typeof cidr !== "string" && !swarm) {
        if (ip < cidr.network || ip > cidr.broadcast) r.fail("containerIp", `is ${containerIp}, outside ${r.label("subnet")} ${subnet}`);
        else if (ip === cidr.network) r.fail("containerIp", `is ${containerIp}, the network address of ${subnet}; pick a host address`);
        else if (ip === cidr.broadcast) r.fail("containerIp", `is ${containerIp}, the broadcast address of ${subnet}; pick a host address`);
        else if (ip === cidr.gateway) r.fail("containerIp", `is ${containerIp}, the gateway Docker gives ${subnet}; pick another host address`);
    }
    return { subnet, containerIp };
}

/** `nodeName`: name@host, the host an IPv4 address or a fully qualified name. */
export function validateNodeName(r: ConfigReader): string {
    const nodeName = r.text("nodeName");
    if (!r.has("nodeName")) return nodeName;
    const [node, host, ...rest] = nodeName.split("@");
    const hostOk = host !== undefined && (parseIpv4(host) !== undefined || (host.includes(".") && hostname.test(host)));
    if (rest.length > 0 || !node || !/^[a-zA-Z][a-zA-Z0-9_-]*$/.test(node) || !hostOk) {
        r.fail("nodeName", `is "${nodeName}"; expected name@host where host is an IPv4 address or a fully qualified name, e.g. emqx@broker.ai4e.internal`);
    }
    return nodeName;
}

/**
 * The five listeners' host ports (each its own, 1–65535) on `bindAddress`, the dashboard's on
 * `dashboardBindAddress`. Swarm publishes a port on every interface of its host, so there both
 * must be 0.0.0.0.
 */
export function validatePorts(r: ConfigReader, swarm: boolean): PortBinding[] {
    const bindAddress = r.ipv4("bindAddress");
    const dashboardBindAddress = r.ipv4("dashboardBindAddress");
    for (const [key, value] of [["bindAddress", bindAddress], ["dashboardBindAddress", dashboardBindAddress]]) {
        if (swarm && value !== "" && value !== "0.0.0.0") r.fail(key, `is ${value}, but Swarm publishes a port on every interface of its host; set it to 0.0.0.0 (and firewall what must stay private)`);
    }
    const ports: PortBinding[] = [];
    for (const listener of listeners) {
        const hostPort = r.integer(listener.key, 1, 65535);
        const clash = ports.find((p) => p.hostPort === hostPort);
        if (clash && !Number.isNaN(hostPort)) r.fail(listener.key, `is ${hostPort}, the same host port as ${r.label(clash.key)}; each listener needs its own port`);
        const hostIp = listener.dashboard ? dashboardBindAddress : bindAddress;
        ports.push({ key: listener.key, purpose: listener.purpose, containerPort: listener.containerPort, hostPort, hostIp });
    }
    return ports;
}

/** Container limits: `memoryMb`, `nofileLimit`, `logMaxSize`, `logMaxFiles`. */
export function validateLimits(r: ConfigReader): { memoryMb: number; nofileLimit: number; logMaxSize: string; logMaxFiles: number } {
    const logMaxSize = r.text("logMaxSize");
    if (r.has("logMaxSize") && logMaxSize !== "" && !/^[1-9]\d*[kmg]$/.test(logMaxSize)) {
        r.fail("logMaxSize", `is "${logMaxSize}"; expected a size like 10m (k, m or g), or "" to keep Docker's default logging`);
    }
    const memoryMb = r.integer("memoryMb", 0, 1048576);
    if (memoryMb > 0 && memoryMb < 256) r.fail("memoryMb", `is ${memoryMb}; EMQX needs at least 256 MB (0 means no limit)`);
    const nofileLimit = r.integer("nofileLimit", 0, Number.MAX_SAFE_INTEGER);
    if (nofileLimit > maxNofileLimit) {
        r.fail("nofileLimit", `is ${nofileLimit}, above the kernel's fs.nr_open (${maxNofileLimit} by default), which no container may exceed; use at most ${maxNofileLimit}, or 0 for Docker's default`);
    }
    return { memoryMb, nofileLimit, logMaxSize, logMaxFiles: r.integer("logMaxFiles", 1, 100) };
}

/** `checkHost`: "" or a host name or IP address; on Swarm, where each node is dialled at its own host, "". */
export function validateCheckHost(r: ConfigReader, swarm: boolean): string {
    const checkHost = r.text("checkHost");
    if (r.has("checkHost") && checkHost !== "" && !hostname.test(checkHost) && checkHost !== "::1") {
        r.fail("checkHost", `is "${checkHost}"; expected a host name or IP address, or "" to derive it from ${r.label("bindAddress")}`);
    } else if (swarm && checkHost !== "") {
        r.fail("checkHost", `names one host, but on Swarm each node is dialled at its ${r.label("swarmHosts")} address; leave it empty`);
    }
    return checkHost;
}

/**
 * EMQX 5.1's rule for a dashboard password set through its API (emqx_dashboard_admin): 8 to 64
 * printable ASCII characters of at least two kinds (letters, digits, other). The stack changes a
 * password through that API, so a password EMQX would refuse is refused before deploying.
 */
function dashboardPasswordProblem(password: string): string | undefined {
    if (password.length < minSecretLength || password.length > 64) return `must be ${minSecretLength} to 64 characters long`;
    if (!/^[\x21-\x7e]+$/.test(password)) return "may hold only printable ASCII characters, without spaces";
    const kinds = [/[A-Za-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((kind) => kind.test(password)).length;
    return kinds < 2 ? "needs at least two kinds of characters: letters, digits, others" : undefined;
}

/**
 * `dashboardPassword` and `nodeCookie`. Outside dev (`strict`) each must be a secret, not EMQX's
 * well-known default, and long enough; dev may leave the cookie to EMQX.
 */
export function validateSecrets(r: ConfigReader, strict: boolean): { dashboardPassword: string; nodeCookie: string | undefined } {
    const secret = (key: string, emqxDefault: string): string => {
        const value = r.source.get(key) ?? "";
        const problem = secretProblem(r, key, value, emqxDefault, strict);
        if (problem) r.fail(key, problem);
        return value;
    };
    const dashboardPassword = secret("dashboardPassword", "public");
    const nodeCookie = !r.source.get("nodeCookie") && !strict ? undefined : secret("nodeCookie", "emqxsecretcookie");
    return { dashboardPassword, nodeCookie };
}

function secretProblem(r: ConfigReader, key: string, value: string, emqxDefault: string, strict: boolean): string | undefined {
    const setCommand = `pulumi config set --secret ${key} <value>`;
    if (value === "") return `is not set; run \`${setCommand}\``;
    if (key === "nodeCookie" && !/^[A-Za-z0-9_-]+$/.test(value)) return `may hold only letters, digits, "_" and "-" (bin/emqx passes it to Erlang unquoted)`;
    if (!strict) return undefined;
    if (!r.source.isSecret(key)) return `is stored in plain text; set it again with \`${setCommand}\``;
    if (value === emqxDefault) return `is EMQX's well-known default; choose your own with \`${setCommand}\``;
    if (value.length < minSecretLength) return `is shorter than ${minSecretLength} characters; choose a longer one with \`${setCommand}\``;
    const rule = key === "dashboardPassword" ? dashboardPasswordProblem(value) : undefined;
    return rule && `${rule} (EMQX's rule for dashboard passwords); choose another with \`${setCommand}\``;
}

/**
 * `mqttUsers` (structured config, a list of {username, password}, which Pulumi.yaml cannot
 * declare; unset means none) and `allowAnonymous`: a stack without accounts must say it takes
 * anonymous clients, and one with accounts cannot. The CLI marks the whole key secret when any
 * password in it is.
 */
export function validateMqttAccess(r: ConfigReader, strict: boolean): { mqttUsers: MqttUser[]; allowAnonymous: boolean; accountNames: string[] } {
    const problemsBefore = r.problems.length;
    const { users: mqttUsers, named } = parseMqttUsers(r, strict);
    const allowAnonymous = r.boolean("allowAnonymous", true);
    if (!allowAnonymous && mqttUsers.length === 0 && r.problems.length === problemsBefore) {
        r.fail(
            "mqttUsers",
            "has no accounts, so anonymous MQTT clients would get in; add one with `pulumi config set --path 'mqttUsers[0].username' <name>` " +
                "and `pulumi config set --path --secret 'mqttUsers[0].password' <value>`, or accept anonymous clients with `pulumi config set allowAnonymous true`",
        );
    } else if (allowAnonymous && mqttUsers.length > 0 && r.source.get("allowAnonymous") === "true") {
        r.fail("allowAnonymous", `is true, but ${r.label("mqttUsers")} has accounts, and with accounts EMQX refuses clients without credentials; set it to false`);
    }
    return { mqttUsers, allowAnonymous, accountNames: named };
}

/** The valid accounts, and every name the list gives (valid or not), for rules that name an account. */
function parseMqttUsers(r: ConfigReader, strict: boolean): { users: MqttUser[]; named: string[] } {
    const key = "mqttUsers";
    const shape =
        "expected a list of {username, password}, e.g. `pulumi config set --path 'mqttUsers[0].username' app` " +
        "and `pulumi config set --path --secret 'mqttUsers[0].password' <value>`";
    const list = r.structured<unknown[]>(key, [], shape);
    const users: MqttUser[] = [];
    list.forEach((entry: unknown, index) => {
        const problem = accountProblem(entry, `${key}[${index}]`, users, strict, shape);
        if (problem) r.fail(problem.key, problem.message);
        else users.push(entry as MqttUser);
    });
    if (strict && users.length > 0 && !r.source.isSecret(key)) {
        r.fail(key, "holds its passwords in plain text; set each again with `pulumi config set --path --secret 'mqttUsers[N].password' <value>`");
    }
    const named = list.map((entry) => (entry as { username?: unknown } | null)?.username).filter((name): name is string => typeof name === "string");
    return { users, named };
}

/** What is wrong with the entry at `at` (e.g. mqttUsers[2]), if anything: the key to name and the message. */
function accountProblem(entry: unknown, at: string, earlier: MqttUser[], strict: boolean, shape: string): { key: string; message: string } | undefined {
    const { username, password } = (entry ?? {}) as Record<string, unknown>;
    const numeric = typeof username === "number" ? "username" : typeof password === "number" ? "password" : undefined;
    if (numeric) {
        // `config set --path` stores digits-only values as numbers, which would lose digits.
        const fix = `pulumi config set --path --type string ${numeric === "password" ? "--secret " : ""}'${at}.${numeric}' <value>`;
        return { key: `${at}.${numeric}`, message: `is a number, not text; set it again with \`${fix}\`` };
    }
    if (typeof username !== "string" || typeof password !== "string") return { key: at, message: `needs a username and a password (text); ${shape}` };
    if (!/^[\x21-\x7e]{1,100}$/.test(username)) return { key: `${at}.username`, message: "must be 1 to 100 printable ASCII characters without spaces" };
    if (earlier.some((u) => u.username === username)) return { key: `${at}.username`, message: `repeats "${username}"; each user appears once` };
    if (password === "") return { key: `${at}.password`, message: "is empty" };
    if (strict && password.length < minSecretLength) return { key: `${at}.password`, message: `is shorter than ${minSecretLength} characters` };
    return undefined;
}

/** The broker's own certificate, or undefined (and, outside dev, a warning) to keep the image's test certificates. */
export function validateTls(r: ConfigReader, strict: boolean, now: Date, warnings: string[]): (TlsPem & TlsFacts) | undefined {
    const certificate = r.text("tlsCertificate");
    const privateKey = r.source.get("tlsPrivateKey") ?? "";
    const caCertificate = r.text("tlsCaCertificate");
    if (certificate && privateKey) {
        if (strict && !r.source.isSecret("tlsPrivateKey")) {
            r.fail("tlsPrivateKey", "is stored in plain text; set it again with `pulumi config set --secret tlsPrivateKey < key.pem`");
        }
        const pem = { certificate, privateKey, caCertificate };
        const facts = inspectTls(
            pem,
            now,
            (key, message) => {
                r.fail(key, message);
                return undefined;
            },
            r.label,
        );
        return facts && { ...pem, ...facts };
    }
    if (certificate || privateKey) {
        r.fail(certificate ? "tlsPrivateKey" : "tlsCertificate", `is not set; ${r.label("tlsCertificate")} and ${r.label("tlsPrivateKey")} go together`);
    } else if (caCertificate) {
        r.fail("tlsCaCertificate", `is set without ${r.label("tlsCertificate")} and ${r.label("tlsPrivateKey")}`);
    } else if (strict) {
        warnings.push(
            "the TLS listeners (8883, 8084) serve the test certificates shipped in the EMQX image; " +
                `set ${r.label("tlsCertificate")} and ${r.label("tlsPrivateKey")} (secret) to serve your own`,
        );
    }
    return undefined;
}

/** The most nodes a stack may run on one Docker host. */
const maxNodes = 9;

/**
 * `nodes`: 1 (a single broker) to 9. Node k takes the IP after node k−1's and MQTT and dashboard
 * host ports shifted by k−1: each must stay a host address of the subnet, and no host port may be
 * taken twice. On Swarm (`swarm`), tasks get no fixed IP, each node needs its host, and nodes on
 * hosts of their own keep node 1's ports.
 */
export function validateNodes(
    r: ConfigReader,
    base: { subnet: string; containerIp: string; nodeName: string; containerName: string; ports: PortBinding[] },
    swarm: { hosts: number; shared: boolean } | undefined,
): number {
    const problemsBefore = r.problems.length;
    const nodes = r.integer("nodes", 1, maxNodes);
    if (swarm && swarm.hosts !== nodes && r.problems.length === problemsBefore) {
        r.fail("swarmHosts", `has ${swarm.hosts} hosts for ${nodes} nodes (${r.label("nodes")}); give each node its host, in order; ${hostsExample}`);
    }
    const cidr = parseCidr(base.subnet);
    if (!(nodes > 1) || r.problems.length > 0 || typeof cidr === "string") return nodes;
    const layout = clusterLayout({ ...base, nodes, shiftPorts: !swarm || swarm.shared });
    const last = layout[layout.length - 1];
    const lastIp = parseIpv4(last.containerIp)!;
    if (!swarm && (lastIp >= cidr.broadcast || lastIp <= parseIpv4(base.containerIp)!)) {
        r.fail("nodes", `is ${nodes}: node ${nodes} would take ${last.containerIp}, past the host addresses of ${r.label("subnet")} ${base.subnet}; lower ${r.label("containerIp")} or use fewer nodes`);
    }
    if (swarm && !swarm.shared) return nodes;
    const taken = new Map<number, string>();
    for (const node of layout) {
        for (const port of node.ports) {
            const owner = `node ${node.index}'s ${port.key}`;
            const clash = taken.get(port.hostPort);
            if (clash) r.fail("nodes", `is ${nodes}: ${owner} would be host port ${port.hostPort}, which ${clash} already has; move the ports apart`);
            else taken.set(port.hostPort, owner);
        }
    }
    return nodes;
}
