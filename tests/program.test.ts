/** The Pulumi program under Pulumi's mocks, fed the real Pulumi.yaml defaults and stack files. */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { readdirSync } from "node:fs";
import { makeTempPki } from "./brokers/certificates";
import type { ProgramRun, RegisteredResource } from "./harness/runProgram";
import { only, runProgram } from "./harness/scenario";
import { declaredConfig, missingKeysError, repoRoot, stackConfig, stackFileValues } from "./harness/stackFiles";

const container = "docker:index/container:Container";
const network = "docker:index/network:Network";
const volume = "docker:index/volume:Volume";
const image = "docker:index/remoteImage:RemoteImage";
const mqttUsers = "pulumi-nodejs:dynamic/emqx:MqttUsers";
const mqttAcl = "pulumi-nodejs:dynamic/emqx:MqttAcl";
const stash = "pulumi:index:Stash";
/** The Stash a component keeps its work's inputs in, with the hooks that do that work. */
function stashNamed(run: ProgramRun, name: string): RegisteredResource {
    const found = run.resources.find((r) => r.type === stash && r.name === name);
    assert.ok(found, `no Stash ${name}`);
    return found;
}
const checkOf = (run: ProgramRun) => stashNamed(run, "emqx-post-deploy-check-passed");
const runsBeforeRecorded = (name: string) => ({ beforeCreate: [name], beforeUpdate: [name] });
const sensorOwnTopics = { username: "sensor", permission: "allow", action: "all", topic: "sensors/${username}/#" };
const prodAccount = { mqttUsers: { secret: JSON.stringify([{ username: "sensor", password: "sensor-password-1" }]) }, mqttAcl: JSON.stringify([sensorOwnTopics]) };

describe("dev stack reproduces the seed docker-compose file", async () => {
    const run = await runProgram("dev");

    it("deploys without a configuration error", () => assert.equal(run.error, undefined));

    it("declares the network ai4e_net with IPAM subnet 172.20.0.0/16", () => {
        const net = only(run, network);
        assert.equal(net.inputs.name, "ai4e_net");
        assert.deepEqual(net.inputs.ipamConfigs, [{ subnet: "172.20.0.0/16" }]);
        assert.equal(net.inputs.driver, "bridge");
        assert.equal(net.parent, "emqx:index:Network::emqx-network");
    });

    it("pulls emqx/emqx:5.1.4 and keeps it locally on destroy", () => {
        assert.deepEqual(only(run, image).inputs, { name: "emqx/emqx:5.1.4", keepLocally: true });
    });

    it("runs container ai4e_emqx, restart always, at 172.20.0.117 on that network", () => {
        const c = only(run, container);
        assert.equal(c.inputs.name, "ai4e_emqx");
        assert.equal(c.inputs.restart, "always");
        assert.equal(c.inputs.image, "sha256:mock", "the container runs the pulled image's id");
        assert.deepEqual(c.inputs.networksAdvanced, [
            { name: "ai4e_net", ipv4Address: "172.20.0.117", aliases: ["broker.ai4e.internal"] },
        ]);
        assert.equal(c.parent, "emqx:index:Broker::emqx");
    });

    it("publishes 1883, 8883, 8083, 8084 and 18083 on all interfaces, host port = container port", () => {
        const ports = only(run, container).inputs.ports as { internal: number; external: number; ip: string; protocol: string }[];
        assert.deepEqual(
            ports.map((p) => `${p.ip}:${p.external}->${p.internal}/${p.protocol}`),
            ["0.0.0.0:1883->1883/tcp", "0.0.0.0:8883->8883/tcp", "0.0.0.0:8083->8083/tcp", "0.0.0.0:8084->8084/tcp", "0.0.0.0:18083->18083/tcp"],
        );
    });

    it("mounts named volumes on /opt/emqx/data and /opt/emqx/log, never /opt/emqx/etc", () => {
        const c = only(run, container);
        assert.deepEqual(c.inputs.volumes, [
            { volumeName: "emqx-dev-emqx-data", containerPath: "/opt/emqx/data" },
            { volumeName: "emqx-dev-emqx-log", containerPath: "/opt/emqx/log" },
        ]);
        const vols = run.resources.filter((r) => r.type === volume);
        assert.deepEqual(vols.map((v) => v.inputs.name), ["emqx-dev-emqx-data", "emqx-dev-emqx-log"]);
        assert.ok(vols.every((v) => !v.retainOnDelete), "dev removes its volumes on destroy");
    });

    it("has EMQX's documented health check and a stable node name", () => {
        const c = only(run, container);
        assert.deepEqual(c.inputs.healthcheck, { tests: ["CMD", "/opt/emqx/bin/emqx", "ctl", "status"], interval: "5s", timeout: "25s", retries: 5 });
        assert.ok((c.inputs.envs as string[]).includes("EMQX_NODE__NAME=emqx@broker.ai4e.internal"));
    });

    it("stops a replaced or destroyed broker as `docker stop` does, with EMQX's 30 s to shut down, instead of killing it", () => {
        assert.equal(only(run, container).inputs.destroyGraceSeconds, 30);
    });

    it("labels container, network and volumes with project and stack", () => {
        const expected = [{ label: "com.pulumi.project", value: "emqx" }, { label: "com.pulumi.stack", value: "dev" }];
        for (const r of run.resources.filter((x) => [container, network, volume].includes(x.type))) {
            assert.deepEqual(r.inputs.labels, expected, `${r.type} ${r.name}`);
        }
    });

    it("sets no memory limit, so the seed's behaviour holds", () => assert.equal(only(run, container).inputs.memory, undefined));

    it("makes the container depend on the network, and replaces both delete-first", () => {
        const c = only(run, container);
        assert.ok(c.dependsOn.includes(`${network}::emqx-network`), c.dependsOn.join(", "));
        assert.ok(c.dependsOn.includes(`${image}::emqx-image`));
        assert.equal(c.deleteBeforeReplace, true);
        assert.equal(only(run, network).deleteBeforeReplace, true);
    });

    it("keeps the dashboard password's line of the environment a secret, and only that line, so preview shows the rest", () => {
        const c = only(run, container);
        const secretLines = c.secretInputs.map((path) => (c.inputs.envs as string[])[Number(/^envs\[(\d+)\]$/.exec(path)![1])]);
        assert.deepEqual(secretLines, ['EMQX_DASHBOARD__DEFAULT_PASSWORD="public"']);
    });

    it("exports URLs, container and network facts, and the check's result", () => {
        const values = Object.fromEntries(Object.entries(run.outputs).map(([k, v]) => [k, v.value]));
        assert.deepEqual(values, {
            mqttUrl: "mqtt://127.0.0.1:1883",
            mqttsUrl: "mqtts://127.0.0.1:8883",
            wsUrl: "ws://127.0.0.1:8083/mqtt",
            wssUrl: "wss://127.0.0.1:8084/mqtt",
            dashboardUrl: "http://127.0.0.1:18083",
            metricsUrl: "http://127.0.0.1:18083/api/v5/prometheus/stats",
            dashboardUsername: "admin",
            containerName: "ai4e_emqx",
            containerIp: "172.20.0.117",
            networkName: "ai4e_net",
            subnet: "172.20.0.0/16",
            volumes: ["emqx-dev-emqx-data", "emqx-dev-emqx-log"],
            clusterNodes: [
                { nodeName: "emqx@broker.ai4e.internal", containerName: "ai4e_emqx", containerIp: "172.20.0.117", mqttUrl: "mqtt://127.0.0.1:1883", dashboardUrl: "http://127.0.0.1:18083" },
            ],
            mqttUsernames: [],
            tlsCertificateExpiresAt: null,
            tlsCaCertificate: null,
            tlsServerName: null,
        });
    });

    it("leaves authorization and retained messages to EMQX's defaults, as the seed did", () => {
        assert.deepEqual((only(run, container).inputs.envs as string[]).filter((line) => /^EMQX_(AUTHORIZATION|RETAINER)/.test(line)), []);
        assert.equal(run.resources.some((r) => r.type === mqttAcl), false);
    });

    it("sets no open-file limit, as the seed sets no ulimits, but proves its host ports free before the container is made", () => {
        assert.equal(only(run, container).inputs.ulimits, undefined);
        assert.deepEqual(only(run, container).hooks, { beforeCreate: ["emqx-grants-probe"] });
    });

    it("hands EMQX the first dashboard password it deployed, kept in a Stash, and keeps the password in step through the API", () => {
        const kept = stashNamed(run, "emqx-first-boot-password");
        assert.equal(kept.inputs.input, "public");
        assert.equal(kept.parent, "emqx:index:Broker::emqx");
        assert.ok((only(run, container).inputs.envs as string[]).includes('EMQX_DASHBOARD__DEFAULT_PASSWORD="public"'));
        assert.ok(only(run, container).dependsOn.includes(`${stash}::emqx-first-boot-password`), "the env comes from the Stash's output");
        const admin = stashNamed(run, "emqx-dashboard-password-applied");
        const applied = admin.inputs.input as Record<string, unknown>;
        assert.deepEqual([applied.username, applied.password, applied.firstBootPassword, applied.containerId], ["admin", "public", "public", "emqx-id"]);
        assert.deepEqual(admin.hooks, runsBeforeRecorded("emqx-dashboard-password-applied"), "set through the API inside up, before the change is recorded");
        assert.deepEqual(admin.secretInputs, ["input"]);
        assert.ok(admin.dependsOn.includes(`${container}::emqx`));
        assert.ok(checkOf(run).dependsOn.includes(`${stash}::emqx-dashboard-password-applied`), "the check logs in after the password is set");
        assert.deepEqual(checkOf(run).hooks, runsBeforeRecorded("emqx-post-deploy-check-passed"), "the check runs inside up; a failure is not recorded");
    });

    it("keeps the seed's open broker: no accounts, no authenticator, the image's own certificates", () => {
        assert.equal(run.resources.filter((r) => r.type === mqttUsers).length, 0);
        assert.ok(!(only(run, container).inputs.envs as string[]).some((e) => e.startsWith("EMQX_AUTHENTICATION")));
        assert.equal(only(run, container).inputs.uploads, undefined);
        assert.equal((checkOf(run).inputs.input as Record<string, unknown>).refuseAnonymous, false);
        assert.deepEqual(run.warnings, [], "dev is allowed EMQX's defaults without a word");
    });
});

describe("prod stack differs where production needs it", async () => {
    const run = await runProgram("prod", {
        dashboardPassword: { secret: "a-long-dashboard-password" },
        nodeCookie: { secret: "prod_cookie_0123456789" },
        ...prodAccount,
    });
    const c = () => only(run, container);

    it("deploys once its secrets are set", () => assert.equal(run.error, undefined));

    it("binds the dashboard to 127.0.0.1 and the MQTT listeners to all interfaces", () => {
        const ports = c().inputs.ports as { internal: number; ip: string }[];
        assert.deepEqual(ports.map((p) => `${p.ip}:${p.internal}`), ["0.0.0.0:1883", "0.0.0.0:8883", "0.0.0.0:8083", "0.0.0.0:8084", "127.0.0.1:18083"]);
    });

    it("limits memory and open files, rotates logs, forbids privilege escalation", () => {
        const i = c().inputs;
        assert.equal(i.memory, 2048);
        assert.equal(i.memorySwap, 4096, "Docker's default, stated, so the next up sees no difference");
        assert.deepEqual(i.ulimits, [{ name: "nofile", soft: 1048576, hard: 1048576 }]);
        assert.equal(i.logDriver, "json-file");
        assert.deepEqual(i.logOpts, { "max-size": "10m", "max-file": "5" });
        assert.deepEqual(i.securityOpts, ["no-new-privileges:true"]);
    });

    it("proves the daemon grants the host ports and open-file limit before the container is made, and the limit before it is changed", () => {
        assert.deepEqual(c().hooks, { beforeCreate: ["emqx-grants-probe"], beforeUpdate: ["emqx-nofile-probe"] });
    });

    it("logs at notice and passes its own dashboard password and cookie, as a secret; strings quoted for HOCON, node name and cookie raw for bin/emqx", () => {
        const envs = c().inputs.envs as string[];
        assert.ok(envs.includes('EMQX_LOG__CONSOLE__LEVEL="notice"'));
        assert.ok(envs.includes('EMQX_DASHBOARD__DEFAULT_PASSWORD="a-long-dashboard-password"'));
        assert.ok(envs.includes("EMQX_NODE__COOKIE=prod_cookie_0123456789"));
        assert.ok(envs.includes("EMQX_NODE__NAME=emqx@broker.ai4e.internal"));
        const secretLines = c().secretInputs.map((path) => envs[Number(/^envs\[(\d+)\]$/.exec(path)![1])]);
        assert.deepEqual(secretLines, ['EMQX_DASHBOARD__DEFAULT_PASSWORD="a-long-dashboard-password"', "EMQX_NODE__COOKIE=prod_cookie_0123456789"]);
    });

    it("keeps its volumes on destroy, named after project and stack", () => {
        const vols = run.resources.filter((r) => r.type === volume);
        assert.deepEqual(vols.map((v) => [v.inputs.name, v.retainOnDelete]), [["emqx-prod-emqx-data", true], ["emqx-prod-emqx-log", true]]);
    });

    it("warns that the TLS listeners serve the image's test certificates", () => {
        assert.deepEqual(run.warnings, [
            "the TLS listeners (8883, 8084) serve the test certificates shipped in the EMQX image; set emqx:tlsCertificate and emqx:tlsPrivateKey (secret) to serve your own",
        ]);
    });

    it("still reproduces the seed's network, name, IP and image", () => {
        assert.equal(c().inputs.name, "ai4e_emqx");
        assert.equal(only(run, network).inputs.name, "ai4e_net");
        assert.equal((c().inputs.networksAdvanced as { ipv4Address: string }[])[0].ipv4Address, "172.20.0.117");
        assert.equal(only(run, image).inputs.name, "emqx/emqx:5.1.4");
    });
});

describe("prod stack with MQTT accounts and its own certificate", async () => {
    const pki = makeTempPki();
    after(() => pki.remove());
    const { cert, key } = pki;
    const secrets = {
        dashboardPassword: "a-long-dashboard-password",
        nodeCookie: "prod_cookie_0123456789",
        sensorPassword: "sensor-password-1",
        appPassword: "app-password-22",
        bridgePassword: "bridge-secret-1",
        key,
    };
    const run = await runProgram("prod", {
        dashboardPassword: { secret: secrets.dashboardPassword },
        nodeCookie: { secret: secrets.nodeCookie },
        mqttUsers: { secret: JSON.stringify([{ username: "sensor", password: secrets.sensorPassword }, { username: "app", password: secrets.appPassword }]) },
        mqttAcl: JSON.stringify([sensorOwnTopics, { username: "app", permission: "allow", action: "subscribe", topic: "sensors/+/#" }, { permission: "deny", action: "subscribe", topic: "eq #" }]),
        emqxConfig: { secret: JSON.stringify({ "mqtt.max_packet_size": "1MB", "bridges.mqtt.cloud.password": "bridge-secret-1" }) },
        tlsCertificate: cert,
        tlsPrivateKey: { secret: key },
        tlsCaCertificate: pki.ca,
    });
    const envs = () => only(run, container).inputs.envs as string[];

    it("deploys without warnings", () => {
        assert.equal(run.error, undefined);
        assert.deepEqual(run.warnings, []);
    });

    it("turns on the built-in database authenticator, so unknown and anonymous clients are refused", () => {
        for (const line of [
            'EMQX_AUTHENTICATION=[{mechanism = "password_based", backend = "built_in_database", user_id_type = "username"}]',
            'EMQX_AUTHENTICATION__1__MECHANISM="password_based"',
            'EMQX_AUTHENTICATION__1__BACKEND="built_in_database"',
            'EMQX_AUTHENTICATION__1__USER_ID_TYPE="username"',
        ]) {
            assert.ok(envs().includes(line), line);
        }
    });

    it("uploads certificate, key and CA readable by the emqx user, the key only in the secret uploads", () => {
        assert.deepEqual(only(run, container).inputs.uploads, [
            { file: "/opt/emqx/etc/certs/stack-cert.pem", content: cert, permissions: "0444" },
            { file: "/opt/emqx/etc/certs/stack-key.pem", content: key, permissions: "0444" },
            { file: "/opt/emqx/etc/certs/stack-cacert.pem", content: pki.ca, permissions: "0444" },
        ]);
        assert.deepEqual(only(run, container).secretInputs.filter((path) => !path.startsWith("envs[")), ["uploads"]);
    });

    it("points the 8883 and 8084 listeners at the uploaded files", () => {
        for (const listener of ["SSL", "WSS"]) {
            const prefix = `EMQX_LISTENERS__${listener}__DEFAULT__SSL_OPTIONS__`;
            assert.ok(envs().includes(`${prefix}CERTFILE="/opt/emqx/etc/certs/stack-cert.pem"`), listener);
            assert.ok(envs().includes(`${prefix}KEYFILE="/opt/emqx/etc/certs/stack-key.pem"`), listener);
            assert.ok(envs().includes(`${prefix}CACERTFILE="/opt/emqx/etc/certs/stack-cacert.pem"`), listener);
        }
    });

    it("stores the accounts through the API after the container starts, passwords secret in and out", () => {
        const users = only(run, mqttUsers);
        assert.deepEqual(users.inputs.users, [{ username: "sensor", password: secrets.sensorPassword }, { username: "app", password: secrets.appPassword }]);
        assert.ok(users.dependsOn.includes(`${container}::emqx`));
        assert.deepEqual(users.secretInputs.sort(), ["dashboardPassword", "users"]);
        assert.deepEqual(users.secretOutputs.sort(), ["dashboardPassword", "users"]);
    });

    it("checks as the first account once the accounts exist, refusing anonymous clients, and over TLS with the CA", () => {
        const c = checkOf(run);
        const inputs = c.inputs.input as Record<string, unknown>;
        assert.ok(c.dependsOn.includes(`${mqttUsers}::emqx-mqtt-users`), c.dependsOn.join(", "));
        assert.equal(inputs.username, "sensor");
        assert.equal(inputs.password, secrets.sensorPassword);
        assert.equal(inputs.refuseAnonymous, true);
        assert.equal(inputs.tlsUrl, "mqtts://127.0.0.1:8883");
        assert.equal(inputs.tlsCa, pki.ca);
        assert.equal(inputs.tlsServerName, "localhost");
        assert.deepEqual(c.secretInputs, ["input"], "the passwords it uses are kept as a secret in state");
    });

    it("keeps the stack's authorization rules through EMQX's API, unmatched requests denied and the built-in database the only source", () => {
        const acl = only(run, mqttAcl);
        assert.deepEqual((acl.inputs.rules as { username?: string }[]).map((r) => r.username), ["sensor", "app", undefined]);
        assert.ok(acl.dependsOn.includes(`${container}::emqx`));
        assert.ok(envs().includes('EMQX_AUTHORIZATION__NO_MATCH="deny"'));
        assert.ok(envs().includes('EMQX_AUTHORIZATION__SOURCES=[{type = "built_in_database", enable = true}]'));
    });

    it("proves the rules: the round trip on the first account's own topic, and a subscription the rules deny", () => {
        const c = checkOf(run);
        assert.ok(c.dependsOn.includes(`${mqttAcl}::emqx-mqtt-acl`), "the check waits for the rules");
        assert.deepEqual((c.inputs.input as { acl: unknown }).acl, { roundTripTopic: "sensors/sensor/FILL", refused: { action: "subscribe", topic: "#", because: "emqx:mqttAcl[2] denies it" } });
    });

    it("keeps retained messages on disc, and passes emqxConfig's settings, secret as the stack keeps them", () => {
        assert.ok(envs().includes('EMQX_RETAINER__BACKEND__STORAGE_TYPE="disc"'));
        assert.ok(envs().includes('EMQX_MQTT__MAX_PACKET_SIZE="1MB"'));
        const secretLines = only(run, container).secretInputs.filter((path) => path.startsWith("envs[")).map((path) => envs()[Number(/\d+/.exec(path)![0])].split("=")[0]);
        assert.deepEqual(secretLines.sort(), ["EMQX_BRIDGES__MQTT__CLOUD__PASSWORD", "EMQX_DASHBOARD__DEFAULT_PASSWORD", "EMQX_MQTT__MAX_PACKET_SIZE", "EMQX_NODE__COOKIE"]);
    });

    it("exports account names and the certificate's expiry, and no secret in a plain output", () => {
        assert.deepEqual(run.outputs.mqttUsernames.value, ["sensor", "app"]);
        assert.ok(Date.parse(run.outputs.tlsCertificateExpiresAt.value as string) > Date.now());
        assert.deepEqual([run.outputs.tlsCaCertificate.value, run.outputs.tlsServerName.value], [pki.ca, "localhost"], "what `check --tls` verifies with");
        for (const [name, output] of Object.entries(run.outputs)) {
            const text = JSON.stringify(output.value) ?? "";
            for (const [what, secret] of Object.entries(secrets)) {
                assert.ok(output.secret || !text.includes(secret.trim()), `output ${name} shows ${what} in plain text`);
            }
        }
    });
});

describe("bad input stops the program before any resource is registered", { concurrency: 3 }, () => {
    // Every rule's message is tested on the plain function (settings.test.ts); these prove the program
    // stops with a RunError (no stack trace) and registers nothing, for each kind of source.
    const rows: [string, Record<string, string | null | { secret: string }>, RegExp, string?][] = [
        ["an IP outside the subnet", { containerIp: "172.21.0.5" }, /^emqx:containerIp is 172\.21\.0\.5, outside emqx:subnet 172\.20\.0\.0\/16$/],
        ["a key Pulumi.yaml defaults, removed", { restart: null }, /^emqx:restart is not set \(Pulumi\.yaml declares its default\)$/],
        ["prod without MQTT accounts", { dashboardPassword: { secret: "a-long-dashboard-password" }, nodeCookie: { secret: "prod_cookie_0123456789" } }, /^emqx:mqttUsers has no accounts, so anonymous MQTT clients would get in/, "prod"],
    ];
    for (const [label, overrides, message, stack = "dev"] of rows) {
        it(`rejects ${label}`, async () => {
            const run = await runProgram(stack, overrides);
            assert.equal(run.error?.name, "RunError", "a RunError prints its message without a stack trace");
            const [heading, ...problems] = run.error!.message.split("\n");
            assert.equal(heading, "invalid stack configuration:");
            assert.equal(problems.length, 1, "one bad value, one line");
            assert.match(problems[0].trim(), message);
            assert.deepEqual(run.resources, []);
        });
    }
});

describe("the CLI's own rule: a key Pulumi.yaml declares without a default must be set by every stack", () => {
    const shipped = readdirSync(repoRoot).filter((f) => /^Pulumi\.[\w-]+\.yaml$/.test(f)).map((f) => f.slice("Pulumi.".length, -".yaml".length));

    it("ships dev, prod, cluster and swarm", () => assert.deepEqual(shipped.sort(), ["cluster", "dev", "prod", "swarm"]));

    for (const stack of shipped) {
        it(`Pulumi.${stack}.yaml passes it, so the CLI runs the program`, () => {
            const declared = declaredConfig();
            const missing = Object.keys(declared).filter((key) => declared[key].default === undefined && !(`emqx:${key}` in stackFileValues(stack)));
            assert.equal(missingKeysError(stack, missing), undefined);
            assert.doesNotThrow(() => stackConfig(stack));
        });
    }

    it("is applied by the harness as the CLI words it, so a test can never accept a stack the CLI refuses", () => {
        assert.equal(missingKeysError("prod", ["tlsPrivateKey", "nodeCookie"]), "Stack 'prod' is missing configuration values 'nodeCookie' and 'tlsPrivateKey'");
        assert.equal(missingKeysError("dev", ["nodeCookie"]), "Stack 'dev' is missing configuration value 'nodeCookie'");
    });
});

describe("cluster stack: three nodes that seed from node 1", async () => {
    const three = await runProgram("cluster");
    const five = await runProgram("cluster", { nodes: "5" });
    const containers = (run: ProgramRun) => run.resources.filter((r) => r.type === container).sort((a, b) => String(a.inputs.name).localeCompare(String(b.inputs.name)));
    const env = (c: RegisteredResource, name: string) => (c.inputs.envs as string[]).find((line) => line.startsWith(`${name}=`));

    it("runs three containers on the next IPs, each its own node name, alias and volumes", () => {
        assert.equal(three.error, undefined);
        const cs = containers(three);
        assert.deepEqual(cs.map((c) => c.inputs.name), ["ai4e_cluster", "ai4e_cluster_2", "ai4e_cluster_3"]);
        assert.deepEqual(cs.map((c) => (c.inputs.networksAdvanced as { ipv4Address: string; aliases: string[] }[])[0]), [
            { name: "ai4e_cluster_net", ipv4Address: "172.21.0.11", aliases: ["cluster.ai4e.internal"] },
            { name: "ai4e_cluster_net", ipv4Address: "172.21.0.12", aliases: ["cluster2.ai4e.internal"] },
            { name: "ai4e_cluster_net", ipv4Address: "172.21.0.13", aliases: ["cluster3.ai4e.internal"] },
        ]);
        assert.deepEqual(cs.map((c) => env(c, "EMQX_NODE__NAME")), ["EMQX_NODE__NAME=emqx@cluster.ai4e.internal", "EMQX_NODE__NAME=emqx@cluster2.ai4e.internal", "EMQX_NODE__NAME=emqx@cluster3.ai4e.internal"]);
        assert.deepEqual(three.resources.filter((r) => r.type === volume).map((v) => v.inputs.name).sort(), [
            "emqx-cluster-emqx-data", "emqx-cluster-emqx-log", "emqx-cluster-emqx-node2-data", "emqx-cluster-emqx-node2-log", "emqx-cluster-emqx-node3-data", "emqx-cluster-emqx-node3-log",
        ]);
    });

    it("discovers statically from node 1 alone, and never publishes the cluster ports", () => {
        for (const c of containers(three)) {
            assert.equal(env(c, "EMQX_CLUSTER__DISCOVERY_STRATEGY"), 'EMQX_CLUSTER__DISCOVERY_STRATEGY="static"');
            assert.equal(env(c, "EMQX_CLUSTER__STATIC__SEEDS"), 'EMQX_CLUSTER__STATIC__SEEDS=["emqx@cluster.ai4e.internal"]');
            const published = (c.inputs.ports as { internal: number }[]).map((p) => p.internal);
            assert.ok(!published.includes(4370) && !published.includes(5369), c.inputs.name as string);
        }
    });

    it("publishes node k's MQTT and dashboard on the ports shifted by k-1, node 1 all five", () => {
        const ports = containers(three).map((c) => (c.inputs.ports as { internal: number; external: number }[]).map((p) => `${p.external}->${p.internal}`));
        assert.deepEqual(ports, [["11883->1883", "18883->8883", "18080->8083", "18084->8084", "28083->18083"], ["11884->1883", "28084->18083"], ["11885->1883", "28085->18083"]]);
    });

    it("starts every node together on a first deploy: no container waits for another", () => {
        for (const c of containers(three)) assert.ok(!c.dependsOn.some((d) => d.endsWith("-ready")), `${c.inputs.name} waits for ${c.dependsOn.join(", ")}`);
        const markers = three.resources.filter((r) => r.name.endsWith("-deployed"));
        assert.deepEqual(markers.map((m) => m.name), ["emqx-node2-deployed", "emqx-node3-deployed"], "node 1 needs no marker: nothing comes before it");
        assert.ok(markers.every((m) => m.ignoreChanges.includes("input")), "a marker keeps the nonce of the deploy that made it");
    });

    it("rolls once deployed: node k's container waits for node k-1 to serve again, so a change never takes two nodes down", async () => {
        const deployed = await runProgram("cluster", {}, { deployedBefore: true });
        const byName = new Map(containers(deployed).map((c) => [c.inputs.name, c]));
        assert.ok(byName.get("ai4e_cluster_2")!.dependsOn.includes(`${stash}::emqx-ready`), byName.get("ai4e_cluster_2")!.dependsOn.join(", "));
        assert.ok(byName.get("ai4e_cluster_3")!.dependsOn.includes(`${stash}::emqx-node2-ready`));
        const ready = deployed.resources.find((r) => r.name === "emqx-node3-ready")!;
        assert.deepEqual(ready.hooks, runsBeforeRecorded("emqx-node3-ready"));
        assert.deepEqual((ready.inputs.input as Record<string, unknown>).mqttUrl, "mqtt://127.0.0.1:11885");
    });

    it("proves the cluster after deploy: every node, node 1 first", () => {
        const check = three.resources.find((r) => r.type === stash && r.name === "emqx-post-deploy-check-passed")!;
        assert.deepEqual((check.inputs.input as { cluster: unknown }).cluster, [
            { nodeName: "emqx@cluster.ai4e.internal", mqttUrl: "mqtt://127.0.0.1:11883" },
            { nodeName: "emqx@cluster2.ai4e.internal", mqttUrl: "mqtt://127.0.0.1:11884" },
            { nodeName: "emqx@cluster3.ai4e.internal", mqttUrl: "mqtt://127.0.0.1:11885" },
        ]);
    });

    it("keeps every node's volumes on destroy when the stack says so (prod-like), removes them otherwise (dev-like)", async () => {
        const kept = await runProgram("cluster", { keepVolumesOnDestroy: "true" });
        const retained = (run: ProgramRun) => run.resources.filter((r) => r.type === volume).map((v) => v.retainOnDelete);
        assert.deepEqual(retained(kept), [true, true, true, true, true, true]);
        assert.deepEqual(retained(three), [false, false, false, false, false, false]);
    });

    it("grows from 3 to 5 without touching nodes 1-3: their resources get the very same inputs", async () => {
        assert.equal(five.error, undefined);
        assert.equal(containers(five).length, 5);
        const [threeDeployed, fiveLater] = await Promise.all([runProgram("cluster", {}, { deployedBefore: true }), runProgram("cluster", { nodes: "5" }, { deployedBefore: true })]);
        // What proves the whole cluster (the check, the password) runs again, and the deployment records its new
        // arguments; every node's own resource stays as it was.
        const clusterWide = new Set(["emqx-post-deploy-check-passed", "emqx-dashboard-password-applied", "emqx:index:Deployment"]);
        // A marker's input is this run's nonce, which the engine ignores (ignoreChanges) once the marker exists.
        const kept = (r: RegisteredResource) => (r.name.endsWith("-deployed") ? {} : r.inputs);
        const byName = (run: ProgramRun) => new Map(run.resources.filter((r) => !clusterWide.has(r.name) && !clusterWide.has(r.type)).map((r) => [`${r.type}::${r.name}`, [kept(r), r.dependsOn]]));
        const before = byName(threeDeployed);
        const after = byName(fiveLater);
        assert.ok(before.size > 20, [...before.keys()].join(", "));
        for (const [key, inputsAndDependencies] of before) assert.deepEqual(after.get(key), inputsAndDependencies, key);
    });
});

describe("swarm stack: three services on three hosts", async () => {
    const secrets = { dashboardPassword: "a-long-dashboard-password", nodeCookie: "swarm_cookie_0123456789", sensorPassword: "sensor-password-1" };
    const run = await runProgram("swarm", {
        dashboardPassword: { secret: secrets.dashboardPassword },
        nodeCookie: { secret: secrets.nodeCookie },
        mqttUsers: { secret: JSON.stringify([{ username: "sensor", password: secrets.sensorPassword }]) },
        mqttAcl: JSON.stringify([sensorOwnTopics]),
    });
    const services = () => run.resources.filter((r) => r.type === "docker:index/service:Service").sort((a, b) => String(a.inputs.name).localeCompare(String(b.inputs.name)));
    type Spec = { containerSpec: { stopGracePeriod?: string; env: Record<string, string>; labels?: { value: string }[]; secrets: { fileName: string }[]; commands: string[]; mounts: { source: string }[]; hostname: string }; placement: { constraints: string[] }; networksAdvanceds: { aliases: string[] }[] };
    const spec = (service: RegisteredResource) => service.inputs.taskSpec as Spec;

    it("deploys, with no container: one service of one replica per node, each pinned to its host", () => {
        assert.equal(run.error, undefined, run.error?.message);
        assert.equal(run.resources.filter((r) => r.type === container).length, 0);
        assert.deepEqual(services().map((s) => [s.inputs.name, spec(s).placement.constraints]), [
            ["emqx", ["node.hostname == swarm-1"]],
            ["emqx_2", ["node.hostname == swarm-2"]],
            ["emqx_3", ["node.hostname == swarm-3"]],
        ]);
        for (const service of services()) assert.deepEqual(service.inputs.mode, { replicated: { replicas: 1 } });
    });

    it("joins an attachable overlay network under its node name's host, found by DNS round robin, and publishes in host mode", () => {
        const network = run.resources.find((r) => r.type === "docker:index/network:Network")!;
        assert.deepEqual([network.inputs.driver, network.inputs.attachable], ["overlay", true]);
        assert.deepEqual(services().map((s) => [spec(s).networksAdvanceds[0].aliases, spec(s).containerSpec.hostname]), [
            [["emqx.swarm.internal"], "emqx.swarm.internal"],
            [["emqx2.swarm.internal"], "emqx2.swarm.internal"],
            [["emqx3.swarm.internal"], "emqx3.swarm.internal"],
        ]);
        assert.deepEqual(services()[1].inputs.endpointSpec, {
            mode: "dnsrr",
            ports: [
                { targetPort: 1883, publishedPort: 1883, publishMode: "host", protocol: "tcp" },
                { targetPort: 18083, publishedPort: 18083, publishMode: "host", protocol: "tcp" },
            ],
        });
    });

    it("takes its secrets as docker.Secrets, read into EMQX's environment by the task's own command, never in the service's env or labels", () => {
        const secretResources = run.resources.filter((r) => r.type === "docker:index/secret:Secret");
        assert.equal(secretResources.length, 6, "cookie and first-boot password, for each of three nodes");
        assert.ok(secretResources.every((r) => r.secretInputs.includes("data")));
        for (const service of services()) {
            const { env, labels, secrets: mounted, commands } = spec(service).containerSpec;
            assert.deepEqual(mounted.map((m) => m.fileName).sort(), ["EMQX_DASHBOARD__DEFAULT_PASSWORD", "EMQX_NODE__COOKIE"]);
            assert.equal(commands[2], 'export EMQX_DASHBOARD__DEFAULT_PASSWORD="$(cat /run/secrets/EMQX_DASHBOARD__DEFAULT_PASSWORD)"; export EMQX_NODE__COOKIE="$(cat /run/secrets/EMQX_NODE__COOKIE)"; exec "$@"');
            assert.deepEqual(commands.slice(3), ["emqx-start", "/usr/bin/docker-entrypoint.sh", "/opt/emqx/bin/emqx", "foreground"], "then EMQX starts as its image would");
            const visible = JSON.stringify({ env, labels, inputs: service.inputs });
            for (const [what, secret] of Object.entries(secrets)) assert.ok(!visible.includes(secret), `${what} shows in ${service.inputs.name}'s spec`);
            assert.equal(env.EMQX_CLUSTER__STATIC__SEEDS, '["emqx@emqx.swarm.internal"]');
        }
    });

    it("rolls stop-first with rollback, Swarm waiting for the task, and the stack for each node to serve before the next", async () => {
        assert.deepEqual(services()[0].inputs.updateConfig, { parallelism: 1, order: "stop-first", failureAction: "rollback" });
        assert.deepEqual(services()[0].inputs.convergeConfig, { delay: "1s", timeout: "3m" });
        // A replaced task gets EMQX's 30 s to shut down; the provider's own default, 0 s, kills it at once.
        for (const service of services()) assert.equal(spec(service).containerSpec.stopGracePeriod, "30s");
        const deployed = await runProgram("swarm", { dashboardPassword: { secret: secrets.dashboardPassword }, nodeCookie: { secret: secrets.nodeCookie }, mqttUsers: { secret: JSON.stringify([{ username: "sensor", password: secrets.sensorPassword }]) }, mqttAcl: JSON.stringify([sensorOwnTopics]) }, { deployedBefore: true });
        const second = deployed.resources.find((r) => r.type === "docker:index/service:Service" && r.inputs.name === "emqx_2")!;
        assert.ok(second.dependsOn.includes(`${stash}::emqx-ready`), second.dependsOn.join(", "));
    });

    it("proves every node at its own host's address, and exports where they are", () => {
        const check = checkOf(run);
        assert.deepEqual((check.inputs.input as { cluster: unknown }).cluster, [
            { nodeName: "emqx@emqx.swarm.internal", mqttUrl: "mqtt://swarm-1.example.internal:1883" },
            { nodeName: "emqx@emqx2.swarm.internal", mqttUrl: "mqtt://swarm-2.example.internal:1883" },
            { nodeName: "emqx@emqx3.swarm.internal", mqttUrl: "mqtt://swarm-3.example.internal:1883" },
        ]);
        assert.equal(run.outputs.mqttUrl.value, "mqtt://swarm-1.example.internal:1883");
        assert.equal(run.outputs.containerIp.value, null);
    });

    it("talks to the manager through an explicit provider", () => {
        const provider = run.resources.find((r) => r.type === "pulumi:providers:docker")!;
        assert.equal(provider.inputs.host, "ssh://deploy@swarm-1.example.internal");
    });
});
