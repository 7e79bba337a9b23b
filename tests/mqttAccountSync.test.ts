/** MQTT accounts kept in step with the configuration, against a local server answering as EMQX 5.1's REST API does. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { emqxApi, login } from "../lib/emqx/api";
import { syncMqttUsers } from "../lib/emqx/accounts";
import { type FakeEmqxApi, startFakeEmqxApi } from "./brokers/emqxApi";

const admin = { username: "admin", password: "long-enough-pw" };

describe("MQTT users sync (against a stand-in answering as EMQX's API does)", () => {
    let api: FakeEmqxApi;
    let token: string;
    before(async () => {
        api = await startFakeEmqxApi(admin);
        token = await login(emqxApi(api.url, Date.now() + 5000), { ...admin, containerName: "ai4e_emqx" });
    });
    after(() => api.stop());

    const sync = (users: { username: string; password: string }[]) => syncMqttUsers({ api: emqxApi(api.url, Date.now() + 5000), token, users });

    it("creates the configured users with their passwords", async () => {
        const result = await sync([{ username: "sensor", password: "sensor-password" }, { username: "app", password: "app-password-1" }]);
        assert.deepEqual(result, { created: ["sensor", "app"], updated: [], deleted: [] });
        assert.deepEqual([...api.users], [["sensor", "sensor-password"], ["app", "app-password-1"]]);
    });

    it("is idempotent: a second run resets passwords instead of failing on 409", async () => {
        const result = await sync([{ username: "sensor", password: "rotated-password" }, { username: "app", password: "app-password-1" }]);
        assert.deepEqual(result, { created: [], updated: ["sensor", "app"], deleted: [] });
        assert.equal(api.users.get("sensor"), "rotated-password");
    });

    it("deletes users dropped from the configuration", async () => {
        const result = await sync([{ username: "sensor", password: "rotated-password" }]);
        assert.deepEqual(result, { created: [], updated: ["sensor"], deleted: ["app"] });
        assert.deepEqual([...api.users.keys()], ["sensor"]);
    });

    it("deletes every account it does not list, over several pages: made by an earlier deploy on a kept volume or in the dashboard", async () => {
        for (let i = 0; i < 250; i++) api.users.set(`stale-${i}`, "stale-password");
        const result = await sync([{ username: "sensor", password: "rotated-password" }]);
        assert.equal(result.deleted.length, 250);
        assert.deepEqual([...api.users.keys()], ["sensor"]);
        assert.equal(api.requests.filter((r) => r.startsWith("GET /api/v5/authentication/password_based:built_in_database/users?page=")).length >= 3, true);
    });

    it("encodes user names in the URL path", async () => {
        await sync([{ username: "a/b?c", password: "odd-name-password" }]);
        await sync([{ username: "a/b?c", password: "odd-name-password-2" }]);
        assert.equal(api.users.get("a/b?c"), "odd-name-password-2");
    });

    it("names the user and the status when the API refuses, without the password", async () => {
        await assert.rejects(
            syncMqttUsers({ api: emqxApi(api.url, Date.now() + 5000), token: "wrong", users: [{ username: "sensor", password: "secret-pw-123" }] }),
            (err: Error) => {
                assert.match(err.message, /^GET \/api\/v5\/authentication\/password_based:built_in_database\/users\?page=1&limit=100 for the MQTT user list answered HTTP 401/);
                assert.ok(!err.message.includes("secret-pw-123"));
                return true;
            },
        );
    });

    it("says so when EMQX has no built-in database authenticator", async () => {
        const bare = await startFakeEmqxApi(admin, { authenticator: false });
        try {
            const bareApi = emqxApi(bare.url, Date.now() + 5000);
            const bareToken = await login(bareApi, { ...admin, containerName: "x" });
            await assert.rejects(
                syncMqttUsers({ api: bareApi, token: bareToken, users: [{ username: "sensor", password: "pw-long-enough" }] }),
                /^Error: EMQX has no password_based:built_in_database authenticator, so MQTT accounts cannot be stored \(HTTP 404/,
            );
        } finally {
            await bare.stop();
        }
    });
});
