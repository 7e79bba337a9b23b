/**
 * `engine`, `dockerHost` and its TLS material, and `swarmHosts`: which Docker runs the broker, how
 * the provider reaches it, and where each node of a Swarm is placed and dialled. Plain TypeScript.
 */
import type { ConfigReader } from "./configReader";
import { parseIpv4 } from "./ipv4";

export const engines = ["docker", "swarm"] as const;

/** Where one Swarm node runs: the host it is pinned to, the address it is dialled at, and optionally that host's own engine. */
export interface SwarmHost {
    /** The placement constraint, e.g. `node.hostname == swarm-1` or `node.labels.emqx == 1`. */
    constraint: string;
    /** Host name or IP the check and the exported URLs dial (ports are published on the host itself). */
    address: string;
    /** That host's own Docker engine, when the stack should make and remove the node's volumes there; "" lets Swarm make them. */
    dockerHost: string;
}

/** TLS material for a `tcp://` Docker host (PEM); the key is a secret. */
export interface DockerTls {
    caCertificate: string;
    certificate: string;
    key: string;
}

/** Which Docker the stack deploys to. */
export interface EngineSettings {
    engine: (typeof engines)[number];
    /** The engine (or Swarm manager) the provider talks to; "" for the local default (DOCKER_HOST, else its socket). */
    dockerHost: string;
    /** Client certificate for a tcp:// host, or undefined. */
    dockerTls: DockerTls | undefined;
    /** On Swarm, node k's placement and address; empty for the docker engine. */
    swarmHosts: SwarmHost[];
    /** Whether two Swarm nodes may share a host (then their ports shift as on one engine). */
    swarmSharedHosts: boolean;
}

const dockerHostShape = /^(unix:\/\/\/\S+|tcp:\/\/[^\s/:]+:\d{1,5}|ssh:\/\/(\S+@)?[^\s/:@]+(:\d{1,5})?)$/;
const hostShape = /^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?$/;
export const hostsExample =
    "e.g. `pulumi config set --path 'swarmHosts[0].hostname' swarm-1` and `pulumi config set --path 'swarmHosts[0].address' 10.0.0.11` (or `label` " +
    "`emqx=1` for a node label)";

/** The host part of a tcp:// or ssh:// Docker host, which the check dials for ports published on all interfaces; undefined for a local socket. */
export function dockerHostAddress(dockerHost: string): string | undefined {
    const match = /^(?:tcp|ssh):\/\/(?:[^@/]+@)?([^/:]+)/.exec(dockerHost);
    return match?.[1];
}

/** What is wrong with `swarmHosts[index]`, if anything: the field to name and the message. */
function swarmHostProblem(entry: unknown): { field?: string; message: string } | undefined {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return { message: `is not a host {hostname or label, address, dockerHost}; ${hostsExample}` };
    const { hostname, label, address, dockerHost, ...rest } = entry as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) return { field: unknown, message: "is not a field of a Swarm host; a host has hostname or label, address, and optionally dockerHost" };
    if ((hostname === undefined) === (label === undefined)) return { message: `needs a hostname or a label (one of them); ${hostsExample}` };
    if (hostname !== undefined && (typeof hostname !== "string" || !hostShape.test(hostname))) return { field: "hostname", message: `is ${JSON.stringify(hostname)}; expected a Swarm node's hostname` };
    if (label !== undefined && (typeof label !== "string" || !/^[\w.-]+=[\w.-]+$/.test(label))) return { field: "label", message: `is ${JSON.stringify(label)}; expected a node label as key=value, e.g. emqx=1` };
    if (address === undefined && label !== undefined) return { field: "address", message: "is not set; a host placed by label needs the address the check dials" };
    if (address !== undefined && (typeof address !== "string" || !(hostShape.test(address) || parseIpv4(address) !== undefined))) return { field: "address", message: `is ${JSON.stringify(address)}; expected a host name or IPv4 address` };
    if (dockerHost !== undefined && (typeof dockerHost !== "string" || !dockerHostShape.test(dockerHost))) return { field: "dockerHost", message: `is ${JSON.stringify(dockerHost)}; expected unix:///path, tcp://host:port or ssh://[user@]host` };
    return undefined;
}

/** The valid hosts, and how many the list gives (valid or not), for the count that must match the nodes. */
function parseSwarmHosts(r: ConfigReader): { hosts: SwarmHost[]; given: number } {
    const hosts: SwarmHost[] = [];
    const list = r.structured<unknown[]>("swarmHosts", [], `expected a list of hosts; ${hostsExample}`);
    list.forEach((entry, index) => {
        const problem = swarmHostProblem(entry);
        if (problem) return r.fail(`swarmHosts[${index}]${problem.field ? `.${problem.field}` : ""}`, problem.message);
        const { hostname, label, address, dockerHost } = entry as Record<string, string | undefined>;
        const [key, value] = (label ?? "").split("=");
        const constraint = hostname !== undefined ? `node.hostname == ${hostname}` : `node.labels.${key} == ${value}`;
        hosts.push({ constraint, address: address ?? hostname!, dockerHost: dockerHost ?? "" });
    });
    return { hosts, given: list.length };
}

/**
 * `engine` (docker or swarm), `dockerHost` with `dockerCaCertificate`, `dockerCertificate` and
 * `dockerKey` (secret) for tcp://, and on Swarm `swarmHosts`, none twice unless `swarmSharedHosts`
 * (validateNodes holds their number to `nodes`; validatePorts and validateCheckHost hold the
 * addresses to what Swarm can do). A node name must name a host there: tasks get no fixed IP.
 */
export function validateEngine(r: ConfigReader, nodeName: string): EngineSettings & { swarmHostsGiven: number } {
    const engine = r.oneOf("engine", engines);
    const dockerHost = r.text("dockerHost");
    if (r.has("dockerHost") && dockerHost !== "" && !dockerHostShape.test(dockerHost)) {
        r.fail("dockerHost", `is "${dockerHost}"; expected unix:///path, tcp://host:port or ssh://[user@]host, or "" for the local engine`);
    }
    const tls = { caCertificate: r.text("dockerCaCertificate"), certificate: r.text("dockerCertificate"), key: r.source.get("dockerKey") ?? "" };
    const tlsGiven = [tls.caCertificate, tls.certificate, tls.key].filter((pem) => pem !== "").length;
    if (tlsGiven > 0 && (tlsGiven < 3 || !dockerHost.startsWith("tcp://"))) {
        r.fail(tlsGiven < 3 ? "dockerKey" : "dockerHost", `dockerCaCertificate, dockerCertificate and dockerKey go together, for a tcp:// ${r.label("dockerHost")}`);
    } else if (tlsGiven === 3 && !r.source.isSecret("dockerKey")) {
        r.fail("dockerKey", "is stored in plain text; set it again with `pulumi config set --secret dockerKey < key.pem`");
    }
    const swarmSharedHosts = r.boolean("swarmSharedHosts");
    const { hosts: swarmHosts, given: swarmHostsGiven } = parseSwarmHosts(r);
    if (engine === "swarm") {
        const seen = new Set<string>();
        swarmHosts.forEach((host, index) => {
            if (seen.has(host.constraint) && !swarmSharedHosts) {
                r.fail(`swarmHosts[${index}]`, `places a second node on ${host.constraint.replace(/^node\./, "")}, so one host's loss takes two nodes; give it its own host, or set swarmSharedHosts true`);
            }
            seen.add(host.constraint);
        });
        if (parseIpv4(nodeName.split("@")[1] ?? "") !== undefined) r.fail("nodeName", `is "${nodeName}"; on Swarm a task gets no fixed IP, so name the host, e.g. emqx@broker.ai4e.internal`);
    } else if (swarmHosts.length > 0) {
        r.fail("swarmHosts", 'is set, but emqx:engine is "docker"; set engine swarm, or remove swarmHosts');
    }
    return { engine, dockerHost, dockerTls: tlsGiven === 3 ? tls : undefined, swarmHosts, swarmSharedHosts, swarmHostsGiven };
}
