/**
 * End to end, for real: a prod-shaped stack whose two accounts each have their own topics
 * (mqttAcl, unmatched requests denied), proven by a client of its own on each side; a rule dropped
 * from the configuration is gone after `up`; a rule deleted behind the stack's back is seen by
 * `pulumi refresh` and put back by `up`. It needs real EMQX: the stand-in does not serve EMQX's
 * authorization API, and there each case says so in one line.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { emqxApi, requestToken } from "../../lib/emqx/api";
import { grantableNofileLimit, inspect, labelled, removeLabelled } from "./docker";
import { roundTrip, subscription } from "./mqtt";
import { copyProject, type Project, up } from "./project";
import { standinCannot } from "./toolchain";

const stackName = "e2eacl";
const owner = ["com.pulumi.project=emqx", `com.pulumi.stack=${stackName}`];
const names = { containerName: "emqx_e2e_acl", networkName: "emqx_e2e_acl_net" };
const ports = { mqttPort: 31883, mqttsPort: 38883, wsPort: 38083, wssPort: 38084, dashboardPort: 38183 };
const mqttUrl = `mqtt://127.0.0.1:${ports.mqttPort}`;
const dashboardUrl = `http://127.0.0.1:${ports.dashboardPort}`;
const sensor = { url: mqttUrl, username: "sensor", password: "sensor-password-1" };
const app = { url: mqttUrl, username: "app", password: "app-password-22" };
const dashboardPassword = "acl-dashboard-pw-1";
const refused = 128;
const cannot = standinCannot("does not serve EMQX's authorization API (/api/v5/authorization/…)");

/** The stack's rules: each account its own topics, and a rule for every client that a test drops. */
const ownTopics = [
    { username: "sensor", permission: "allow", action: "all", topic: "sensors/${username}/#" },
    { username: "app", permission: "allow", action: "all", topic: "apps/${username}/#" },
];
const sharedBoard = { permission: "allow", action: "subscribe", topic: "board/#" };

describe("authorization rules, for real", { concurrency: 1 }, () => {
    let project: Project;
    let stack: Stack;

    async function setRules(rules: object[]): Promise<void> {
        await stack.setConfig("mqttAcl", { value: JSON.stringify(rules) });
    }

    before(async () => {
        if (cannot) return;
        const existing = labelled(...owner);
        if (inspect("container", names.containerName) || existing.containers.length + existing.networks.length + existing.volumes.length > 0) {
            throw new Error(`Docker already holds resources of a stack ${stackName}; remove them before the e2e tier`);
        }
        project = copyProject();
        stack = await project.stack(stackName);
        const plain = { ...names, subnet: "172.28.0.0/24", containerIp: "172.28.0.10", nodeName: "emqx@e2e-acl.ai4e.internal", keepVolumesOnDestroy: "false", ...ports, nofileLimit: grantableNofileLimit };
        for (const [key, value] of Object.entries(plain)) await stack.setConfig(key, { value: String(value) });
        await stack.setConfig("dashboardPassword", { value: dashboardPassword, secret: true });
        await stack.setConfig("nodeCookie", { value: "e2e_acl_cookie_0123", secret: true });
        for (const [index, user] of [sensor, app].entries()) {
            await stack.setConfig(`mqttUsers[${index}].username`, { value: user.username }, true);
            await stack.setConfig(`mqttUsers[${index}].password`, { value: user.password, secret: true }, true);
        }
    });

    after(async () => {
        if (cannot) return;
        await stack?.destroy({}).catch(() => undefined);
        removeLabelled(...owner);
        project?.remove();
    });

    it("two accounts with their own rules: each makes a round trip on its topics and is refused the other's", async (t) => {
        if (cannot) return t.skip(cannot);
        await setRules([...ownTopics, sharedBoard]);
        const result = await up(stack);
        assert.match(result.output, /MQTT authorization rules: set for sensor, app, 1 for every client/);
        assert.match(result.output, /as sensor on sensors\/sensor\/emqx-check-[0-9a-f]+, anonymous client refused, subscribe to emqx-check\/unlisted\/emqx-check-[0-9a-f]+ refused \(code 128\)/);
        await roundTrip({ ...sensor, topic: "sensors/sensor/e2e" });
        await roundTrip({ ...app, topic: "apps/app/e2e" });
        assert.equal(await subscription(sensor, "apps/app/e2e"), refused, "sensor is refused app's topics");
        assert.equal(await subscription(app, "sensors/sensor/e2e"), refused, "app is refused sensor's topics");
        assert.equal(await subscription(app, "board/news"), 1, "the rule for every client");
    });

    it("a rule dropped from the configuration is gone after `up`", async (t) => {
        if (cannot) return t.skip(cannot);
        await setRules(ownTopics);
        const result = await up(stack);
        assert.match(result.output, /MQTT authorization rules: set for sensor, app, 0 for every client/);
        assert.equal(await subscription(app, "board/news"), refused);
    });

    it("a rule deleted behind the stack's back is seen by `pulumi refresh` and put back by `up`", async (t) => {
        if (cannot) return t.skip(cannot);
        const api = emqxApi(dashboardUrl, Date.now() + 10_000);
        const token = await requestToken(api, "admin", dashboardPassword);
        const deleted = await api.request("DELETE", "/api/v5/authorization/sources/built_in_database/rules/users/app", { token });
        assert.equal(deleted.status, 204);
        assert.equal(await subscription(app, "apps/app/e2e"), refused, "without its rule, app's own topics are refused (unmatched requests are denied)");
        await stack.refresh({});
        const result = await up(stack);
        assert.match(result.output, /MQTT authorization rules: set for sensor, app/);
        await roundTrip({ ...app, topic: "apps/app/e2e" });
    });
});
