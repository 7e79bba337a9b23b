/**
 * The authorization rules' dynamic provider exactly as the engine runs it: the serialized
 * `__provider` text the program registers, loaded with require-from-string, `.handler()` called,
 * then run against a stand-in answering as EMQX's API does.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import requireFromString from "require-from-string";
import { type FakeEmqxApi, startFakeEmqxApi } from "./brokers/emqxApi";
import { only, runProgram } from "./harness/scenario";

describe("MQTT authorization rules provider, as the engine loads it (against a stand-in answering as EMQX's API does)", () => {
    let provider: Required<import("@pulumi/pulumi").dynamic.ResourceProvider>;
    let api: FakeEmqxApi;
    let inputs: Record<string, unknown>;
    const own = { username: "sensor", permission: "allow", action: "all", topic: "sensors/${username}/#" };
    const forAll = { permission: "deny", action: "subscribe", topic: "eq #" };

    before(async () => {
        const run = await runProgram("dev", { mqttAcl: JSON.stringify([forAll]) });
        provider = requireFromString(only(run, "pulumi-nodejs:dynamic/emqx:MqttAcl").inputs.__provider as string).handler();
        api = await startFakeEmqxApi({ username: "admin", password: "long-enough-pw" }, { startingFor: 2 });
        inputs = { rules: [own, forAll], containerId: "c1", dashboardUrl: api.url, dashboardUsername: "admin", dashboardPassword: "long-enough-pw", containerName: "ai4e_emqx", timeoutSeconds: 5 };
    });
    after(() => api?.stop());

    it("create waits for the API, logs in and stores the rules", async () => {
        await provider.create(inputs);
        assert.deepEqual(api.acl.users.get("sensor"), [{ topic: "sensors/${username}/#", permission: "allow", action: "all" }]);
        assert.deepEqual(api.acl.all, [{ topic: "eq #", permission: "deny", action: "subscribe" }]);
    });

    it("update removes a rule dropped from the configuration", async () => {
        const news = { ...inputs, rules: [own] };
        assert.equal((await provider.diff("mqtt-acl", { ...inputs, clientIds: [] }, news)).changes, true);
        await provider.update("mqtt-acl", inputs, news);
        assert.deepEqual(api.acl.all, []);
    });

    it("refresh sees a rule deleted behind the stack's back, and the next up puts it back", async () => {
        const state = { ...inputs, rules: [own], clientIds: [] };
        assert.equal((await provider.diff("mqtt-acl", state, { ...inputs, rules: [own] })).changes, false, "nothing to do while EMQX holds the rules");
        api.acl.users.delete("sensor");
        const refreshed = await provider.read("mqtt-acl", state);
        assert.deepEqual(refreshed.props!.rules, []);
        assert.equal((await provider.diff("mqtt-acl", refreshed.props, { ...inputs, rules: [own] })).changes, true);
        await provider.update("mqtt-acl", refreshed.props, { ...inputs, rules: [own] });
        assert.deepEqual(api.acl.users.get("sensor"), [{ topic: "sensors/${username}/#", permission: "allow", action: "all" }]);
    });

    it("refresh sees rules for a client id made behind the stack's back, and the next up deletes them", async () => {
        api.acl.clients.set("rogue", [{ topic: "#", permission: "allow", action: "all" }]);
        const refreshed = await provider.read("mqtt-acl", { ...inputs, rules: [own], clientIds: [] });
        assert.deepEqual(refreshed.props!.clientIds, ["rogue"]);
        assert.equal((await provider.diff("mqtt-acl", refreshed.props, { ...inputs, rules: [own] })).changes, true);
        await provider.update("mqtt-acl", refreshed.props, { ...inputs, rules: [own] });
        assert.equal(api.acl.clients.size, 0);
    });

    it("sees no drift in EMQX listing accounts in another order than the configuration", async () => {
        const app = { username: "app", permission: "allow", action: "subscribe", topic: "a/#" };
        const state = { ...inputs, rules: [app, own], clientIds: [] };
        assert.equal((await provider.diff("mqtt-acl", state, { ...inputs, rules: [own, app] })).changes, false);
    });
});
