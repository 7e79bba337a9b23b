/**
 * End to end, for real: a prod-shaped stack on its own names, subnet and ports, configured only
 * through `pulumi config set` (secrets with --secret, accounts with --path): the open-file limit
 * refused with a line naming it, accounts with anonymous clients refused, a dashboard password
 * changed with the broker running, an account removed, a retained message that survives a replaced
 * container (a changed emqxConfig setting), the stack's own TLS certificate, and a destroy that
 * keeps the volumes for a new deploy that still has the accounts. On real EMQX it follows the
 * README's prod path, one rule allowing the test's topics and the rest denied; the stand-in serves
 * no authorization API, so there unmatched requests are allowed and that case says so in one line.
 * Rules in depth have their own scenario (authorization.e2e.ts).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import mqtt from "mqtt";
import { emqxApi, requestToken } from "../../lib/emqx/api";
import { makeTempPki } from "../brokers/certificates";
import { daemonNofileLimit, docker, grantableNofileLimit, holdPort, inspect, labelled, removeLabelled } from "./docker";
import { publishRetained, refusal, retainedMessage, roundTrip, subscription } from "./mqtt";
import { copyProject, failedUp, type Project, up } from "./project";
import { standinCannot } from "./toolchain";

const stackName = "e2eprod";
const owner = ["com.pulumi.project=emqx", `com.pulumi.stack=${stackName}`];
const names = { containerName: "emqx_e2e_prod", networkName: "emqx_e2e_prod_net" };
const ports = { mqttPort: 21883, mqttsPort: 28883, wsPort: 28083, wssPort: 28084, dashboardPort: 28183 };
const mqttUrl = `mqtt://127.0.0.1:${ports.mqttPort}`;
const dashboardUrl = `http://127.0.0.1:${ports.dashboardPort}`;
const sensor = { username: "sensor", password: "sensor-password-1" };
const app = { username: "app", password: "app-password-22" };
const dashboard = { first: "first-dashboard-pw-1", second: "second-dashboard-pw-2" };
/** Every client may use the test's own topics (e2e/…); prod's default denies the rest. */
const testTopics = { permission: "allow", action: "all", topic: "e2e/#" };
const authorizationCannot = standinCannot("does not serve EMQX's authorization API, so this stack allows unmatched requests there instead of denying them as prod does");

describe("prod-shaped stack, for real", { concurrency: 1 }, () => {
    let project: Project;
    let stack: Stack;
    let pki: ReturnType<typeof makeTempPki>;

    before(async () => {
        const existing = labelled(...owner);
        if (inspect("container", names.containerName) || existing.containers.length + existing.networks.length + existing.volumes.length > 0) {
            throw new Error(`Docker already holds resources of a stack ${stackName}; remove them before the e2e tier`);
        }
        project = copyProject();
        pki = makeTempPki();
        stack = await project.stack(stackName);
        const plain = { ...names, subnet: "172.29.0.0/24", containerIp: "172.29.0.10", nodeName: "emqx@e2e-prod.ai4e.internal", logLevel: "notice", ...ports };
        for (const [key, value] of Object.entries(plain)) await stack.setConfig(key, { value: String(value) });
        // As the README's prod path: a rule says where clients may go, and what no rule allows is denied.
        if (authorizationCannot) await stack.setConfig("authorizationNoMatch", { value: "allow" });
        else for (const [field, value] of Object.entries(testTopics)) await stack.setConfig(`mqttAcl[0].${field}`, { value }, true);
        await stack.setConfig("dashboardPassword", { value: dashboard.first, secret: true });
        await stack.setConfig("nodeCookie", { value: "e2e_prod_cookie_0123", secret: true });
        for (const [index, user] of [sensor, app].entries()) {
            await stack.setConfig(`mqttUsers[${index}].username`, { value: user.username }, true);
            await stack.setConfig(`mqttUsers[${index}].password`, { value: user.password, secret: true }, true);
        }
    });

    after(async () => {
        await stack?.destroy({}).catch(() => undefined);
        removeLabelled(...owner);
        pki?.remove();
        project?.remove();
    });

    it("refuses an open-file limit the Docker daemon cannot grant, naming emqx:nofileLimit, before the broker exists", async (t) => {
        const limit = daemonNofileLimit();
        if (limit === undefined || limit >= 1048576) {
            t.skip(`cannot run here: the Docker daemon may open ${limit ?? "an unknown number of"} files, so no nofileLimit validation allows exceeds it`);
            return;
        }
        const message = await failedUp(stack);
        assert.match(message, /emqx:nofileLimit is 1048576, more open files than the Docker daemon may give a container here/);
        assert.match(message, /pulumi config set nofileLimit/);
        assert.equal(inspect("container", names.containerName), undefined, "the broker was never created");
    });

    it("refuses a host port another program holds, in one line naming its key, before the broker exists", async () => {
        await stack.setConfig("nofileLimit", { value: String(grantableNofileLimit) });
        const release = await holdPort(ports.mqttsPort);
        try {
            const message = await failedUp(stack);
            assert.match(message, new RegExp(`emqx:mqttsPort is ${ports.mqttsPort}, which something else on the Docker host already uses; choose a free port with \`pulumi config set mqttsPort <port>\``));
            assert.equal(inspect("container", names.containerName), undefined, "the broker was never created");
        } finally {
            await release();
        }
    });

    it("deploys with accounts: the first account makes a round trip, anonymous clients are refused", async () => {
        const result = await up(stack);
        assert.match(result.output, /MQTT users: created 2, updated 0, deleted 0/);
        await roundTrip({ url: mqttUrl, ...sensor });
        await roundTrip({ url: mqttUrl, ...app });
        assert.ok([4, 5].includes((await refusal({ url: mqttUrl }))!), "anonymous client refused");
        assert.equal(inspect("container", names.containerName).HostConfig.Ulimits[0].Hard, grantableNofileLimit);
    });

    it("denies what no rule allows, as prod ships: the check proved it, and a client is refused outside its topics", async (t) => {
        if (authorizationCannot) return t.skip(authorizationCannot);
        assert.equal(await subscription({ url: mqttUrl, ...sensor }, "elsewhere/topic"), 128);
        assert.equal(await subscription({ url: mqttUrl, ...sensor }, "e2e/allowed"), 1);
    });

    it("changes the dashboard password through EMQX's API, with the broker and its clients left running", async () => {
        const containerId = inspect("container", names.containerName).Id;
        const client = await mqtt.connectAsync(mqttUrl, { ...sensor, reconnectPeriod: 0 });
        let dropped = false;
        client.on("close", () => (dropped = true));
        try {
            await stack.setConfig("dashboardPassword", { value: dashboard.second, secret: true });
            const result = await up(stack);
            assert.match(result.output, /dashboard password of admin changed to emqx:dashboardPassword/);
            assert.equal(inspect("container", names.containerName).Id, containerId, "the container was not replaced");
            assert.equal(dropped, false, "a connected MQTT client stayed connected");
            assert.ok(await requestToken(emqxApi(dashboardUrl, Date.now() + 5000), "admin", dashboard.second), "the new password logs in");
            assert.equal(await requestToken(emqxApi(dashboardUrl, Date.now() + 5000), "admin", dashboard.first), undefined, "the old one no longer does");
        } finally {
            await client.endAsync(true);
        }
    });

    it("removes an account dropped from the configuration", async () => {
        await stack.removeConfig("mqttUsers[1]", true);
        const result = await up(stack);
        assert.match(result.output, /MQTT users: created 0, updated 1, deleted 1 \(app\)/);
        assert.ok([4, 5].includes((await refusal({ url: mqttUrl, ...app }))!), "the removed account is refused");
        await roundTrip({ url: mqttUrl, ...sensor });
    });

    it("keeps a retained message through a replaced container (a changed emqxConfig setting): retained messages are on disc", async () => {
        const topic = `e2e/retained/${Date.now()}`;
        await publishRetained({ url: mqttUrl, ...sensor }, topic, "kept across replacement");
        // The stand-in's mosquitto writes it to the volume on its next autosave (1 s); EMQX's disc copy is written at once.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const before = inspect("container", names.containerName).Id;
        await stack.setConfig("emqxConfig", { value: JSON.stringify({ "mqtt.max_packet_size": "2MB" }) });
        const result = await up(stack);
        assert.equal(result.summary.resourceChanges?.replace, 1, JSON.stringify(result.summary.resourceChanges));
        const container = inspect("container", names.containerName);
        assert.notEqual(container.Id, before, "the container was replaced");
        assert.ok((container.Config.Env as string[]).includes('EMQX_MQTT__MAX_PACKET_SIZE="2MB"'));
        assert.equal(await retainedMessage({ url: mqttUrl, ...sensor }, topic), "kept across replacement");
    });

    it("`pulumi refresh` sees an account deleted in the dashboard, and the next `up` restores it", async () => {
        const token = await requestToken(emqxApi(dashboardUrl, Date.now() + 5000), "admin", dashboard.second);
        const deleted = await fetch(`${dashboardUrl}/api/v5/authentication/password_based:built_in_database/users/${sensor.username}`, {
            method: "DELETE",
            headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(deleted.status, 204);
        assert.ok([4, 5].includes((await refusal({ url: mqttUrl, ...sensor }))!), "the deleted account is refused");
        await stack.refresh({});
        const result = await up(stack);
        assert.match(result.output, /MQTT users: created 1, updated 0, deleted 0/);
        await roundTrip({ url: mqttUrl, ...sensor });
    });

    it("serves the stack's own TLS certificate on 8883's port, verified against its CA; the key readable by EMQX's user and not in docker inspect", async () => {
        await stack.setConfig("tlsCertificate", { value: pki.cert });
        await stack.setConfig("tlsPrivateKey", { value: pki.key, secret: true });
        await stack.setConfig("tlsCaCertificate", { value: pki.ca });
        const result = await up(stack);
        assert.ok(Date.parse(result.outputs.tlsCertificateExpiresAt.value) > Date.now());
        await roundTrip({ url: `mqtts://127.0.0.1:${ports.mqttsPort}`, ...sensor, ca: pki.ca, servername: "localhost" });
        // uid 1000 (EMQX's user) reads it: the file is EMQX's to read, whoever owns it.
        assert.equal(docker("exec", "--user", "1000", names.containerName, "sh", "-c", "test -r /opt/emqx/etc/certs/stack-key.pem && echo readable"), "readable");
        assert.ok(!docker("inspect", names.containerName).includes(pki.key.split("\n")[1]), "the key shows in docker inspect");
    });

    it("destroy keeps the data and log volumes, and removes the container and network", async () => {
        await stack.destroy({});
        const left = labelled(...owner);
        assert.deepEqual(left.containers, []);
        assert.deepEqual(left.networks, []);
        assert.deepEqual(left.volumes.sort(), [`emqx-${stackName}-emqx-data`, `emqx-${stackName}-emqx-log`], `every volume Docker holds: ${docker("volume", "ls", "--format", "{{.Name}} {{.Labels}}")}`);
    });

    it("a new deploy on the kept volumes still has the account and the changed dashboard password", async () => {
        const result = await up(stack);
        assert.match(result.output, /MQTT users: created 0, updated 1, deleted 0/, "the account was already in the volume");
        assert.doesNotMatch(result.output, /dashboard password of admin changed/);
        await roundTrip({ url: mqttUrl, ...sensor });
        assert.ok(await requestToken(emqxApi(dashboardUrl, Date.now() + 5000), "admin", dashboard.second));
    });
});
