/** Config validation as a plain function, fed Pulumi.yaml defaults and a stack file as the CLI merges them. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { dialFor, endpointsFor, listenerUrl } from "../lib/config/endpoints";
import { ConfigError, parseSettings, type Settings } from "../lib/config/settings";
import { makeTempPki } from "./brokers/certificates";
import { type ConfigValue, declaredConfig, stackConfig } from "./harness/stackFiles";

function parse(stack: string, overrides: Record<string, ConfigValue | null> = {}, now?: Date): Settings {
    const { values, secretKeys } = stackConfig(stack, overrides);
    return parseSettings({ get: (key) => values[`emqx:${key}`], isSecret: (key) => secretKeys.includes(`emqx:${key}`) }, (key) => `emqx:${key}`, now);
}

function problems(stack: string, overrides: Record<string, ConfigValue | null>, now?: Date): string[] {
    try {
        parse(stack, overrides, now);
    } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems;
    }
    assert.fail("the configuration was accepted");
}

const prodSecrets = {
    dashboardPassword: { secret: "long-enough-pw" },
    nodeCookie: { secret: "cookie_value_123" },
    mqttUsers: { secret: JSON.stringify([{ username: "sensor", password: "sensor-password" }]) },
    mqttAcl: JSON.stringify([{ permission: "allow", action: "all", topic: "sensors/${username}/#" }]),
};
/** mqttAcl as the CLI hands it over: JSON text of the list. */
const acl = (...rules: object[]) => JSON.stringify(rules);
const mqttUsersMissing =
    "emqx:mqttUsers has no accounts, so anonymous MQTT clients would get in; add one with `pulumi config set --path 'mqttUsers[0].username' <name>` " +
    "and `pulumi config set --path --secret 'mqttUsers[0].password' <value>`, or accept anonymous clients with `pulumi config set allowAnonymous true`";

describe("secrets outside dev", () => {
    it("refuses prod without a dashboard password, cookie or MQTT account, saying how to set them", () => {
        assert.deepEqual(problems("prod", {}), [
            "emqx:dashboardPassword is not set; run `pulumi config set --secret dashboardPassword <value>`",
            "emqx:nodeCookie is not set; run `pulumi config set --secret nodeCookie <value>`",
            mqttUsersMissing,
        ]);
    });

    for (const [label, value, message] of [
        ["EMQX's default", "public", "emqx:dashboardPassword is EMQX's well-known default; choose your own with `pulumi config set --secret dashboardPassword <value>`"],
        ["shorter than 8", "short", "emqx:dashboardPassword is shorter than 8 characters; choose a longer one with `pulumi config set --secret dashboardPassword <value>`"],
        ["empty", "", "emqx:dashboardPassword is not set; run `pulumi config set --secret dashboardPassword <value>`"],
        ["longer than 64", "a1".repeat(33), "emqx:dashboardPassword must be 8 to 64 characters long (EMQX's rule for dashboard passwords); choose another with `pulumi config set --secret dashboardPassword <value>`"],
        ["letters only", "onlyletters", "emqx:dashboardPassword needs at least two kinds of characters: letters, digits, others (EMQX's rule for dashboard passwords); choose another with `pulumi config set --secret dashboardPassword <value>`"],
        ["with a space", "has space 123", "emqx:dashboardPassword may hold only printable ASCII characters, without spaces (EMQX's rule for dashboard passwords); choose another with `pulumi config set --secret dashboardPassword <value>`"],
    ] as const) {
        it(`refuses a dashboard password that is ${label}`, () => {
            assert.deepEqual(problems("prod", { ...prodSecrets, dashboardPassword: { secret: value } }), [message]);
        });
    }

    it("refuses a secret stored in plain text", () => {
        assert.deepEqual(problems("prod", { ...prodSecrets, dashboardPassword: "long-enough-pw" }), [
            "emqx:dashboardPassword is stored in plain text; set it again with `pulumi config set --secret dashboardPassword <value>`",
        ]);
    });

    it("refuses EMQX's default cookie and one bin/emqx would mangle", () => {
        assert.match(problems("prod", { ...prodSecrets, nodeCookie: { secret: "emqxsecretcookie" } })[0], /^emqx:nodeCookie is EMQX's well-known default/);
        assert.match(problems("prod", { ...prodSecrets, nodeCookie: { secret: "has spaces and $" } })[0], /^emqx:nodeCookie may hold only letters, digits/);
    });

    it("accepts prod with both set as secrets", () => {
        const s = parse("prod", prodSecrets);
        assert.equal(s.dashboardPassword, "long-enough-pw");
        assert.equal(s.nodeCookie, "cookie_value_123");
    });

    it("lets dev use EMQX's defaults: password public, no cookie", () => {
        const s = parse("dev");
        assert.equal(s.dashboardPassword, "public");
        assert.equal(s.nodeCookie, undefined);
    });
});

describe("other keys", () => {
    it("requires a node name with a fully qualified host or an IP", () => {
        assert.match(problems("dev", { nodeName: "emqx@localhost" })[0], /^emqx:nodeName is "emqx@localhost"; expected name@host/);
        assert.equal(parse("dev", { nodeName: "emqx@10.0.0.5" }).nodeName, "emqx@10.0.0.5");
    });

    it("checks log rotation size and the memory floor", () => {
        assert.match(problems("dev", { logMaxSize: "ten" })[0], /^emqx:logMaxSize is "ten"; expected a size like 10m/);
        assert.equal(problems("dev", { memoryMb: "100" })[0], "emqx:memoryMb is 100; EMQX needs at least 256 MB (0 means no limit)");
    });

    it("reports every bad key at once", () => {
        assert.equal(problems("dev", { restart: "sometimes", mqttPort: "0", logLevel: "loud" }).length, 3);
    });
});

describe("endpoints", () => {
    it("dial loopback for ports on all interfaces and the bind address otherwise", () => {
        const s = parse("prod", { ...prodSecrets, bindAddress: "192.0.2.10" });
        const e = endpointsFor(s.ports, dialFor(s, 1));
        assert.equal(e.mqttUrl, "mqtt://192.0.2.10:1883");
        assert.equal(e.dashboardUrl, "http://127.0.0.1:18083");
        assert.equal(endpointsFor(parse("dev").ports, dialFor(parse("dev"), 1)).dashboardUrl, "http://127.0.0.1:18083");
    });

    it("use emqx:checkHost when set", () => {
        const s = parse("dev", { checkHost: "broker.example.com", mqttPort: "11883" });
        assert.equal(endpointsFor(s.ports, dialFor(s, 1)).mqttUrl, "mqtt://broker.example.com:11883");
    });

    it("dial a remote engine's host, tcp:// or ssh://, for ports on all interfaces", () => {
        for (const [dockerHost, host] of [["tcp://10.0.0.5:2376", "10.0.0.5"], ["ssh://deploy@docker.example.com", "docker.example.com"], ["unix:///run/user/1000/docker.sock", "127.0.0.1"]]) {
            const s = parse("dev", { dockerHost });
            assert.equal(endpointsFor(s.ports, dialFor(s, 1)).mqttUrl, `mqtt://${host}:1883`, dockerHost);
        }
    });
});

describe("the engine", () => {
    const swarm = {
        engine: "swarm",
        nodes: "3",
        bindAddress: "0.0.0.0",
        dashboardBindAddress: "0.0.0.0",
        swarmHosts: JSON.stringify([{ hostname: "swarm-1", address: "10.0.0.11" }, { hostname: "swarm-2", address: "10.0.0.12" }, { label: "emqx=3", address: "10.0.0.13", dockerHost: "unix:///run/swarm-3.sock" }]),
    };

    it("places each Swarm node on its host and dials it there, on node 1's ports", () => {
        const s = parse("dev", swarm);
        assert.deepEqual(s.swarmHosts.map((h) => [h.constraint, h.address, h.dockerHost]), [
            ["node.hostname == swarm-1", "10.0.0.11", ""],
            ["node.hostname == swarm-2", "10.0.0.12", ""],
            ["node.labels.emqx == 3", "10.0.0.13", "unix:///run/swarm-3.sock"],
        ]);
        assert.deepEqual([1, 2, 3].map((k) => listenerUrl(s.ports, dialFor(s, k), "mqttPort", "mqtt")), ["mqtt://10.0.0.11:1883", "mqtt://10.0.0.12:1883", "mqtt://10.0.0.13:1883"]);
    });

    it("takes a client certificate for a tcp:// engine, its key a secret", () => {
        const s = parse("dev", { dockerHost: "tcp://10.0.0.5:2376", dockerCaCertificate: "CA", dockerCertificate: "CERT", dockerKey: { secret: "KEY" } });
        assert.deepEqual(s.dockerTls, { caCertificate: "CA", certificate: "CERT", key: "KEY" });
    });

    for (const [label, overrides, message] of [
        ["an unknown engine", { engine: "kubernetes" }, /^emqx:engine is "kubernetes"; expected one of docker, swarm$/],
        ["a docker host that is a URL of another kind", { dockerHost: "http://10.0.0.5:2375" }, /^emqx:dockerHost is "http:\/\/10\.0\.0\.5:2375"; expected unix:\/\/\/path, tcp:\/\/host:port or ssh:\/\/\[user@\]host/],
        ["half of the TLS material", { dockerHost: "tcp://10.0.0.5:2376", dockerCaCertificate: "CA" }, /^emqx:dockerKey dockerCaCertificate, dockerCertificate and dockerKey go together, for a tcp:\/\/ emqx:dockerHost$/],
        ["fewer hosts than nodes", { ...swarm, nodes: "4" }, /^emqx:swarmHosts has 3 hosts for 4 nodes \(emqx:nodes\); give each node its host, in order/],
        ["a host twice", { ...swarm, swarmHosts: JSON.stringify([{ hostname: "a" }, { hostname: "b" }, { hostname: "a" }]) }, /^emqx:swarmHosts\[2\] places a second node on hostname == a, so one host's loss takes two nodes/],
        ["a host by label without an address", { ...swarm, swarmHosts: JSON.stringify([{ hostname: "a" }, { hostname: "b" }, { label: "emqx=3" }]) }, /^emqx:swarmHosts\[2\]\.address is not set; a host placed by label needs the address the check dials$/],
        ["a host with both a hostname and a label", { ...swarm, swarmHosts: JSON.stringify([{ hostname: "a", label: "x=1" }, { hostname: "b" }, { hostname: "c" }]) }, /^emqx:swarmHosts\[0\] needs a hostname or a label \(one of them\)/],
        ["a dashboard bound to loopback on Swarm", { ...swarm, dashboardBindAddress: "127.0.0.1" }, /^emqx:dashboardBindAddress is 127\.0\.0\.1, but Swarm publishes a port on every interface of its host; set it to 0\.0\.0\.0/],
        ["a node name with an IP on Swarm", { ...swarm, nodeName: "emqx@172.20.0.117" }, /^emqx:nodeName is "emqx@172\.20\.0\.117"; on Swarm a task gets no fixed IP, so name the host/],
        ["Swarm hosts for the docker engine", { swarmHosts: JSON.stringify([{ hostname: "a" }]) }, /^emqx:swarmHosts is set, but emqx:engine is "docker"/],
        ["checkHost on Swarm", { ...swarm, checkHost: "broker.example.com" }, /^emqx:checkHost names one host, but on Swarm each node is dialled at its emqx:swarmHosts address; leave it empty$/],
    ] as const) {
        it(`refuses ${label}, in one line`, () => {
            const found = problems("dev", overrides);
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(found[0], message);
        });
    }

    it("lets Swarm nodes share a host when the stack says so, their ports shifted as on one engine", () => {
        const s = parse("dev", { ...swarm, swarmSharedHosts: "true", swarmHosts: JSON.stringify([{ hostname: "a" }, { hostname: "a" }, { hostname: "b" }]) });
        assert.deepEqual([1, 2, 3].map((k) => listenerUrl(k === 1 ? s.ports : s.ports.map((p) => ({ ...p, hostPort: p.hostPort + k - 1 })), dialFor(s, k), "mqttPort", "mqtt")), ["mqtt://a:1883", "mqtt://a:1884", "mqtt://b:1885"]);
    });

    it("warns on Swarm about what only its daemons can set", () => {
        assert.deepEqual(parse("prod", { ...prodSecrets, ...swarm }).warnings.filter((w) => w.includes("Swarm")), [
            "on Swarm, emqx:nofileLimit and emqx:noNewPrivileges are not applied: a service cannot ask for them; set default-ulimits and no-new-privileges in each host's daemon.json",
        ]);
    });
});

describe("MQTT users", () => {
    const users = (list: unknown) => ({ secret: JSON.stringify(list) });

    it("are none when unset, so dev keeps the seed's anonymous broker", () => assert.deepEqual(parse("dev").mqttUsers, []));

    it("are required outside dev unless the stack says allowAnonymous: emptying the list never silently opens the broker", () => {
        assert.deepEqual(problems("prod", { ...prodSecrets, mqttUsers: null }), [mqttUsersMissing]);
        assert.deepEqual(problems("prod", { ...prodSecrets, mqttUsers: users([]) }), [mqttUsersMissing]);
        assert.deepEqual(problems("dev", { allowAnonymous: "false" }), [mqttUsersMissing]);
        const open = parse("prod", { ...prodSecrets, mqttUsers: null, allowAnonymous: "true" });
        assert.deepEqual([open.mqttUsers, open.allowAnonymous, open.warnings.some((w) => w.includes("anonymous"))], [[], true, false]);
    });

    it("and allowAnonymous do not go together: with accounts EMQX refuses clients without credentials", () => {
        assert.deepEqual(problems("prod", { ...prodSecrets, allowAnonymous: "true" }), [
            "emqx:allowAnonymous is true, but emqx:mqttUsers has accounts, and with accounts EMQX refuses clients without credentials; set it to false",
        ]);
    });

    it("parse as a list of username and password", () => {
        const s = parse("prod", { ...prodSecrets, mqttUsers: users([{ username: "sensor", password: "sensor-password" }, { username: "app", password: "app-password" }]) });
        assert.deepEqual(s.mqttUsers, [{ username: "sensor", password: "sensor-password" }, { username: "app", password: "app-password" }]);
    });

    it("refuse shapes that are not a list of accounts, naming the entry", () => {
        assert.match(problems("prod", { ...prodSecrets, mqttUsers: { secret: "sensor" } })[0], /^emqx:mqttUsers is not a list; expected a list of \{username, password\}/);
        assert.match(problems("prod", { ...prodSecrets, mqttUsers: users([{ username: "sensor" }]) })[0], /^emqx:mqttUsers\[0\] needs a username and a password \(text\)/);
        assert.equal(
            problems("prod", { ...prodSecrets, mqttUsers: users([{ username: "sensor", password: 12345678901 }]) })[0],
            "emqx:mqttUsers[0].password is a number, not text; set it again with `pulumi config set --path --type string --secret 'mqttUsers[0].password' <value>`",
        );
    });

    it("refuse a repeated name, a name with spaces, an empty or short password", () => {
        const p = problems("prod", {
            ...prodSecrets,
            mqttUsers: users([
                { username: "a", password: "long-enough-1" },
                { username: "a", password: "long-enough-2" },
                { username: "b c", password: "long-enough-3" },
                { username: "d", password: "" },
                { username: "e", password: "short" },
            ]),
        });
        assert.deepEqual(p, [
            'emqx:mqttUsers[1].username repeats "a"; each user appears once',
            "emqx:mqttUsers[2].username must be 1 to 100 printable ASCII characters without spaces",
            "emqx:mqttUsers[3].password is empty",
            "emqx:mqttUsers[4].password is shorter than 8 characters",
        ]);
    });

    it("refuse passwords kept in plain text outside dev, and allow them in dev", () => {
        const plain = JSON.stringify([{ username: "sensor", password: "sensor-password" }]);
        assert.match(problems("prod", { ...prodSecrets, mqttUsers: plain })[0], /^emqx:mqttUsers holds its passwords in plain text; set each again with `pulumi config set --path --secret/);
        assert.deepEqual(parse("dev", { mqttUsers: JSON.stringify([{ username: "dev", password: "dev" }]), allowAnonymous: "false" }).mqttUsers, [{ username: "dev", password: "dev" }]);
    });
});

describe("TLS certificate", () => {
    const pki = makeTempPki();
    after(() => pki.remove());
    const tls = { tlsCertificate: pki.cert, tlsPrivateKey: { secret: pki.key }, tlsCaCertificate: pki.ca };

    it("is taken with its key and CA, and names what the check must verify", () => {
        const s = parse("prod", { ...prodSecrets, ...tls });
        assert.equal(s.tls?.serverName, "localhost", "the first DNS name in subjectAltName");
        assert.equal(s.tls?.caCertificate, pki.ca);
        assert.ok(Date.parse(s.tls!.validTo) > Date.now());
        assert.ok(!s.warnings.some((w) => w.includes("TLS")), s.warnings.join("\n"));
    });

    it("warns outside dev that the image's test certificates serve TLS when none is set", () => {
        assert.ok(
            parse("prod", prodSecrets).warnings.includes(
                "the TLS listeners (8883, 8084) serve the test certificates shipped in the EMQX image; set emqx:tlsCertificate and emqx:tlsPrivateKey (secret) to serve your own",
            ),
        );
        assert.deepEqual(parse("dev").warnings, []);
    });

    it("refuses a key that belongs to another certificate", () => {
        assert.deepEqual(problems("prod", { ...prodSecrets, ...tls, tlsPrivateKey: { secret: readFileSync(path.join(pki.dir, "ca.key"), "utf8") } }), [
            "emqx:tlsPrivateKey does not belong to emqx:tlsCertificate",
        ]);
    });

    it("refuses text that is not PEM, without echoing the key", () => {
        const p = problems("prod", { ...prodSecrets, ...tls, tlsCertificate: "not a cert", tlsPrivateKey: { secret: "hunter2-not-a-key" } });
        assert.deepEqual(p, [
            "emqx:tlsCertificate is not a PEM certificate (-----BEGIN CERTIFICATE-----)",
            "emqx:tlsPrivateKey is not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)",
        ]);
        assert.ok(!p.join("").includes("hunter2"));
    });

    it("refuses an expired certificate", () => {
        const inTenDays = new Date(Date.now() + 10 * 86_400_000);
        assert.match(problems("prod", { ...prodSecrets, ...tls }, inTenDays)[0], /^emqx:tlsCertificate expired on /);
    });

    it("refuses half a pair, a CA alone, and a key in plain text", () => {
        assert.deepEqual(problems("prod", { ...prodSecrets, tlsCertificate: tls.tlsCertificate }), [
            "emqx:tlsPrivateKey is not set; emqx:tlsCertificate and emqx:tlsPrivateKey go together",
        ]);
        assert.deepEqual(problems("prod", { ...prodSecrets, tlsCaCertificate: pki.ca }), [
            "emqx:tlsCaCertificate is set without emqx:tlsCertificate and emqx:tlsPrivateKey",
        ]);
        assert.match(problems("prod", { ...prodSecrets, ...tls, tlsPrivateKey: pki.key })[0], /^emqx:tlsPrivateKey is stored in plain text/);
    });
});

describe("one line per bad value, naming the key", () => {
    const badValues: [string, Record<string, ConfigValue | null>, RegExp, string?][] = [
        ["subnet prefix /33", { subnet: "172.20.0.0/33" }, /^emqx:subnet "172\.20\.0\.0\/33" has prefix \/33; an IPv4 prefix is 0 to 32$/],
        ["subnet octet 300", { subnet: "300.20.0.0/16" }, /^emqx:subnet "300\.20\.0\.0\/16" has "300\.20\.0\.0", which is not an IPv4 address$/],
        ["subnet not CIDR", { subnet: "not-a-cidr" }, /^emqx:subnet "not-a-cidr" is not IPv4 CIDR notation like 172\.20\.0\.0\/16$/],
        ["IP not an address", { containerIp: "abc" }, /^emqx:containerIp is "abc", which is not an IPv4 address$/],
        ["IP outside the subnet", { containerIp: "172.21.0.5" }, /^emqx:containerIp is 172\.21\.0\.5, outside emqx:subnet 172\.20\.0\.0\/16$/],
        ["IP is the network address", { containerIp: "172.20.0.0" }, /^emqx:containerIp is 172\.20\.0\.0, the network address of 172\.20\.0\.0\/16/],
        ["IP is the broadcast address", { containerIp: "172.20.255.255" }, /^emqx:containerIp is 172\.20\.255\.255, the broadcast address/],
        ["IP is the gateway", { containerIp: "172.20.0.1" }, /^emqx:containerIp is 172\.20\.0\.1, the gateway Docker gives 172\.20\.0\.0\/16/],
        ["port 70000", { mqttPort: "70000" }, /^emqx:mqttPort is "70000"; expected a whole number from 1 to 65535$/],
        ["host port 1883 twice", { wsPort: "1883" }, /^emqx:wsPort is 1883, the same host port as emqx:mqttPort/],
        ["restart sometimes", { restart: "sometimes" }, /^emqx:restart is "sometimes"; expected one of no, on-failure, always, unless-stopped$/],
        ["image without a tag", { image: "emqx/emqx" }, /^emqx:image is "emqx\/emqx" without a tag; pin a version/],
        ["image latest", { image: "emqx/emqx:latest" }, /^emqx:image is "emqx\/emqx:latest"; "latest" moves under you/],
        ["empty container name", { containerName: "" }, /^emqx:containerName is empty; give it a name$/],
        ["empty network name", { networkName: "" }, /^emqx:networkName is empty; give it a name$/],
        ["a key Pulumi.yaml defaults, removed", { restart: null }, /^emqx:restart is not set \(Pulumi\.yaml declares its default\)$/],
        ["prod's dashboard password public", { ...prodSecrets, dashboardPassword: { secret: "public" } }, /^emqx:dashboardPassword is EMQX's well-known default/, "prod"],
        ["prod without a cookie", { ...prodSecrets, nodeCookie: null }, /^emqx:nodeCookie is not set; run `pulumi config set --secret nodeCookie <value>`$/, "prod"],
        ["prod MQTT passwords in plain text", { ...prodSecrets, mqttUsers: '[{"username":"a","password":"long-enough"}]' }, /^emqx:mqttUsers holds its passwords in plain text/, "prod"],
        ["prod without MQTT accounts", { ...prodSecrets, mqttUsers: null }, /^emqx:mqttUsers has no accounts, so anonymous MQTT clients would get in/, "prod"],
        ["an open-file limit above fs.nr_open", { nofileLimit: "2000000" }, /^emqx:nofileLimit is 2000000, above the kernel's fs\.nr_open \(1048576 by default\)/],
        ["prod certificate without its key", { ...prodSecrets, tlsCertificate: "x" }, /^emqx:tlsPrivateKey is not set; emqx:tlsCertificate and emqx:tlsPrivateKey go together$/, "prod"],
        ["authorizationNoMatch sometimes", { authorizationNoMatch: "sometimes" }, /^emqx:authorizationNoMatch is "sometimes"; expected one of auto, allow, deny$/],
        ["retainerStorage disk", { retainerStorage: "disk" }, /^emqx:retainerStorage is "disk"; expected one of ram, disc$/],
        ["mqttAcl not a list", { mqttAcl: '{"a":1}' }, /^emqx:mqttAcl is not a list; expected a list of rules; e\.g\. `pulumi config set --path 'mqttAcl\[0\]\.username' sensor`/],
        ["a rule for an unknown account", { ...prodSecrets, mqttAcl: acl({ username: "ghost", permission: "allow", action: "all", topic: "a/#" }) }, /^emqx:mqttAcl\[0\]\.username is "ghost", not one of emqx:mqttUsers \(sensor\); leave it out for a rule for every client$/, "prod"],
        ["a rule's permission maybe", { mqttAcl: acl({ permission: "maybe", action: "all", topic: "a" }) }, /^emqx:mqttAcl\[0\]\.permission is "maybe"; expected allow or deny$/],
        ["a rule's action read", { mqttAcl: acl({ permission: "allow", action: "read", topic: "a" }) }, /^emqx:mqttAcl\[0\]\.action is "read"; expected publish, subscribe or all$/],
        ["a rule's topic a/#/b", { mqttAcl: acl({ permission: "allow", action: "all", topic: "a/#/b" }) }, /^emqx:mqttAcl\[0\]\.topic "a\/#\/b" has `#` other than as its whole last level$/],
        ["a rule's unknown field", { mqttAcl: acl({ permission: "allow", action: "all", topic: "a", qos: 1 }) }, /^emqx:mqttAcl\[0\]\.qos is not a field of a rule/],
        ["deny by default without an allow rule", { ...prodSecrets, mqttAcl: null }, /^emqx:mqttAcl has no rule that allows anything, and emqx:authorizationNoMatch is auto, which is deny for a stack with accounts outside dev: every client would be refused every topic/, "prod"],
        ["rules that leave the first account no topic", { ...prodSecrets, mqttAcl: acl({ username: "sensor", permission: "allow", action: "subscribe", topic: "a/#" }) }, /^emqx:mqttAcl leaves emqx:mqttUsers\[0\] \(sensor\) no topic it may both publish and subscribe to/, "prod"],
        ["emqxConfig not a map", { emqxConfig: '["mqtt.max_packet_size"]' }, /^emqx:emqxConfig is not a map; expected EMQX configuration paths with their values/],
        ["emqxConfig's node cookie", { emqxConfig: JSON.stringify({ "node.cookie": "x" }) }, /^emqx:emqxConfig\["node\.cookie"\] is node\.cookie, which the stack sets from emqx:nodeCookie; set that key instead$/],
        ["emqxConfig's whole authentication", { emqxConfig: JSON.stringify({ "authentication": [] }) }, /^emqx:emqxConfig\["authentication"\] is authentication, which the stack sets from emqx:mqttUsers; set that key instead$/],
        ["emqxConfig's authorization sources", { emqxConfig: JSON.stringify({ "authorization.sources": [] }) }, /^emqx:emqxConfig\["authorization\.sources"\] is authorization\.sources, which the stack sets from emqx:mqttAcl/],
        ["emqxConfig's whole listeners", { emqxConfig: JSON.stringify({ listeners: {} }) }, /^emqx:emqxConfig\["listeners"\] holds listeners\.ssl\.default\.ssl_options\.certfile, which the stack sets from emqx:tlsCertificate; set that key instead$/],
        ["emqxConfig's log level", { emqxConfig: JSON.stringify({ "log.console.level": "debug" }) }, /^emqx:emqxConfig\["log\.console\.level"\] is log\.console\.level, which the stack sets from emqx:logLevel/],
        ["emqxConfig's retainer storage", { emqxConfig: JSON.stringify({ "retainer.backend.storage_type": "ram" }) }, /emqx:retainerStorage; set that key instead$/],
        ["emqxConfig's unknown root", { emqxConfig: JSON.stringify({ "mqqt.max_packet_size": "1MB" }) }, /^emqx:emqxConfig\["mqqt\.max_packet_size"\] starts with "mqqt", which is not a configuration root of EMQX 5\.1$/],
        ["emqxConfig's path in capitals", { emqxConfig: JSON.stringify({ "MQTT.max_packet_size": "1MB" }) }, /^emqx:emqxConfig\["MQTT\.max_packet_size"\] is not an EMQX configuration path: lower-case names joined by dots/],
    ];
    for (const [label, overrides, message, stack = "dev"] of badValues) {
        it(`rejects ${label}`, () => {
            const found = problems(stack, overrides);
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(found[0], message);
        });
    }
});

describe("a declared key that reaches the program unset", () => {
    const optional = new Set(["dashboardPassword", "nodeCookie", "tlsPrivateKey", "dockerKey"]);
    for (const key of Object.keys(declaredConfig()).filter((k) => !optional.has(k))) {
        it(`${key}: one line that says so`, () => {
            assert.deepEqual(problems("prod", { ...prodSecrets, [key]: null }), [`emqx:${key} is not set (Pulumi.yaml declares its default)`]);
        });
    }
});

describe("nodes of a cluster", () => {
    it("are 1 to 9", () => {
        assert.match(problems("dev", { nodes: "0" })[0], /^emqx:nodes is "0"; expected a whole number from 1 to 9$/);
        assert.match(problems("dev", { nodes: "10" })[0], /^emqx:nodes is "10"; expected a whole number from 1 to 9$/);
        assert.equal(parse("dev", { nodes: "3" }).nodes, 3);
    });

    it("must fit in the subnet after node 1's IP", () => {
        assert.deepEqual(problems("dev", { nodes: "3", subnet: "172.20.0.0/29", containerIp: "172.20.0.5" }), [
            "emqx:nodes is 3: node 3 would take 172.20.0.7, past the host addresses of emqx:subnet 172.20.0.0/29; lower emqx:containerIp or use fewer nodes",
        ]);
    });

    it("may not shift a node's port onto another listener's", () => {
        assert.deepEqual(problems("dev", { nodes: "2", wsPort: "1884" }), [
            "emqx:nodes is 2: node 2's mqttPort would be host port 1884, which node 1's wsPort already has; move the ports apart",
        ]);
    });

    it("share one cookie: outside dev it must be set, as for a single broker", () => {
        assert.match(problems("prod", { ...prodSecrets, nodes: "3", nodeCookie: null })[0], /^emqx:nodeCookie is not set/);
    });
});

describe("authorization", () => {
    it("is EMQX's own outside a stack with accounts (dev, anonymous clients): nothing managed, nothing to prove", () => {
        assert.deepEqual(parse("dev").authorization, { mqttAcl: [], noMatch: "allow", managed: false, proof: undefined });
    });

    it("denies unmatched requests with accounts outside dev, and proves the first account's topic and a refusal", () => {
        const { authorization } = parse("prod", { ...prodSecrets, mqttAcl: acl({ username: "sensor", permission: "allow", action: "all", topic: "sensors/${username}/#" }) });
        assert.equal(authorization.noMatch, "deny");
        assert.equal(authorization.managed, true);
        assert.deepEqual(authorization.proof, { roundTripTopic: "sensors/sensor/FILL", refused: { action: "subscribe", topic: "emqx-check/unlisted/FILL", because: "no rule allows it (authorization.no_match is deny)" } });
    });

    it("allows unmatched requests when the stack says so, and then needs no rules", () => {
        const { authorization } = parse("prod", { ...prodSecrets, mqttAcl: null, authorizationNoMatch: "allow" });
        assert.deepEqual([authorization.noMatch, authorization.managed], ["allow", false]);
    });

    it("takes rules for every client on a broker without accounts", () => {
        const { authorization } = parse("dev", { mqttAcl: acl({ permission: "deny", action: "subscribe", topic: "eq #" }) });
        assert.deepEqual(authorization.proof, { roundTripTopic: "emqx-check/FILL", refused: { action: "subscribe", topic: "#", because: "emqx:mqttAcl[0] denies it" } });
    });

    it("does not add a rule's complaint to an account's own: a rule may name an account whose entry is wrong", () => {
        const users = { secret: JSON.stringify([{ username: "sensor", password: "short" }]) };
        assert.deepEqual(problems("prod", { ...prodSecrets, mqttUsers: users, mqttAcl: acl({ username: "sensor", permission: "allow", action: "all", topic: "a/#" }) }), [
            "emqx:mqttUsers[0].password is shorter than 8 characters",
        ]);
    });
});

describe("emqxConfig and retained messages", () => {
    it("renders each setting as the variable EMQX reads and a HOCON value: text quoted, numbers and booleans as they are, lists and maps as JSON", () => {
        const settings = parse("dev", { emqxConfig: JSON.stringify({ "mqtt.max_packet_size": "1MB", "listeners.tcp.default.max_connections": 5000, "mqtt.retain_available": true, "mqtt.mqueue_priorities": { a: 1 } }) });
        assert.deepEqual(settings.emqxConfig, [
            { path: "mqtt.max_packet_size", variable: "EMQX_MQTT__MAX_PACKET_SIZE", hocon: '"1MB"' },
            { path: "listeners.tcp.default.max_connections", variable: "EMQX_LISTENERS__TCP__DEFAULT__MAX_CONNECTIONS", hocon: "5000" },
            { path: "mqtt.retain_available", variable: "EMQX_MQTT__RETAIN_AVAILABLE", hocon: "true" },
            { path: "mqtt.mqueue_priorities", variable: "EMQX_MQTT__MQUEUE_PRIORITIES", hocon: '{"a":1}' },
        ]);
        assert.equal(settings.emqxConfigSecret, false);
        assert.equal(parse("dev", { emqxConfig: { secret: JSON.stringify({ "mqtt.max_packet_size": "1MB" }) } }).emqxConfigSecret, true);
    });

    it("keeps retained messages on disc by default, and in RAM in dev as the seed's EMQX did", () => {
        assert.equal(parse("prod", prodSecrets).retainerStorage, "disc");
        assert.equal(parse("dev").retainerStorage, "ram");
    });
});
