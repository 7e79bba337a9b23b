/**
 * The accounts' dynamic provider exactly as the engine runs it: the serialized `__provider` text
 * the program registers, loaded with require-from-string, `.handler()` called, then run against a
 * stand-in answering as EMQX's API does.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import requireFromString from "require-from-string";
import { type FakeEmqxApi, startFakeEmqxApi } from "./brokers/emqxApi";
import { only, runProgram } from "./harness/scenario";

describe("MQTT accounts provider, as the engine loads it (against a stand-in answering as EMQX's API does)", () => {
    let provider: Required<import("@pulumi/pulumi").dynamic.ResourceProvider>;
    let api: FakeEmqxApi;
    let inputs: Record<string, unknown>;
    const sensor = { username: "sensor", password: "sensor-password-1" };
    const app = { username: "app", password: "app-password-22" };

    before(async () => {
        const run = await runProgram("dev", { mqttUsers: JSON.stringify([sensor]), allowAnonymous: "false" });
        provider = requireFromString(only(run, "pulumi-nodejs:dynamic/emqx:MqttUsers").inputs.__provider as string).handler();
        api = await startFakeEmqxApi({ username: "admin", password: "long-enough-pw" }, { startingFor: 2 });
        inputs = {
            users: [sensor, app],
            containerId: "c1",
            dashboardUrl: api.url,
            dashboardUsername: "admin",
            dashboardPassword: "long-enough-pw",
            containerName: "ai4e_emqx",
            timeoutSeconds: 5,
        };
    });
    after(() => api?.stop());

    it("create waits for the API, logs in and stores every account", async () => {
        const result = await provider.create(inputs);
        assert.deepEqual(result.outs.usernames, ["sensor", "app"]);
        assert.deepEqual([...api.users], [["sensor", sensor.password], ["app", app.password]]);
        assert.deepEqual(api.requests.slice(0, 4), ["GET /status", "GET /status", "GET /status", "POST /api/v5/login"]);
    });

    it("update resets passwords and deletes accounts dropped from the configuration", async () => {
        const news = { ...inputs, users: [{ ...sensor, password: "rotated-password" }] };
        assert.equal((await provider.diff("mqtt-users", inputs, news)).changes, true);
        const result = await provider.update("mqtt-users", inputs, news);
        assert.deepEqual(result.outs!.usernames, ["sensor"]);
        assert.deepEqual([...api.users], [["sensor", "rotated-password"]]);
    });

    it("runs again for a new container (its data volume may be new), not for nothing", async () => {
        assert.equal((await provider.diff("mqtt-users", inputs, { ...inputs })).changes, false);
        assert.equal((await provider.diff("mqtt-users", inputs, { ...inputs, containerId: "c2" })).changes, true);
    });

    it("fails the deployment with the first-boot explanation when the dashboard refuses the login", async () => {
        await assert.rejects(provider.create({ ...inputs, dashboardPassword: "stale-password" }), /^Error: cannot store MQTT users: dashboard login as admin was refused \(HTTP 401\) with emqx:dashboardPassword/);
    });

    it("leaves the accounts in place on delete: they live in the data volume", async () => {
        await provider.delete("mqtt-users", inputs);
        assert.deepEqual([...api.users.keys()], ["sensor"]);
    });

    it("refresh sees an account deleted in the dashboard, and the next up puts it back", async () => {
        const state = (await provider.update("mqtt-users", inputs, inputs)).outs!;
        api.users.delete("app");
        const refreshed = (await provider.read("mqtt-users", state)).props!;
        assert.deepEqual(refreshed.users.map((u: { username: string }) => u.username), ["sensor"]);
        assert.equal((await provider.diff("mqtt-users", refreshed, inputs)).changes, true);
        await provider.update("mqtt-users", refreshed, inputs);
        assert.deepEqual([...api.users.keys()].sort(), ["app", "sensor"]);
    });

    it("refresh sees an account made behind the stack's back, and the next up deletes it", async () => {
        const state = (await provider.update("mqtt-users", inputs, inputs)).outs!;
        api.users.set("intruder", "made-in-the-dashboard");
        const refreshed = (await provider.read("mqtt-users", state)).props!;
        assert.deepEqual(refreshed.unlisted, ["intruder"]);
        assert.equal((await provider.diff("mqtt-users", refreshed, inputs)).changes, true);
        await provider.update("mqtt-users", refreshed, inputs);
        assert.equal(api.users.has("intruder"), false);
        assert.equal((await provider.diff("mqtt-users", (await provider.read("mqtt-users", state)).props!, inputs)).changes, false, "no drift, no change");
    });

    it("refresh leaves the state as it was when the broker does not answer (its container is gone)", async () => {
        const state = { ...inputs, dashboardUrl: "http://127.0.0.1:1", usernames: ["sensor", "app"], unlisted: [] };
        assert.deepEqual((await provider.read("mqtt-users", state)).props, state);
    });
});
