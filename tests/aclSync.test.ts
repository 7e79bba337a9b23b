/** The stack's authorization rules kept in step with the configuration, against a local server answering as EMQX 5.1's REST API does. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AclRule } from "../lib/emqx/acl";
import { readAcl, syncAcl } from "../lib/emqx/aclSync";
import { type ApiAccess, emqxApi, login } from "../lib/emqx/api";
import { type FakeEmqxApi, startFakeEmqxApi } from "./brokers/emqxApi";

const admin = { username: "admin", password: "long-enough-pw" };
const sensorOwn: AclRule = { username: "sensor", permission: "allow", action: "all", topic: "sensors/${username}/#" };
const sensorNoFirmware: AclRule = { username: "sensor", permission: "deny", action: "publish", topic: "sensors/sensor/firmware" };
const appReads: AclRule = { username: "app", permission: "allow", action: "subscribe", topic: "sensors/+/temperature" };
const noHashForAll: AclRule = { permission: "deny", action: "subscribe", topic: "eq #" };

describe("authorization rules sync (against a stand-in answering as EMQX's API does)", () => {
    let api: FakeEmqxApi;
    let access: ApiAccess;
    before(async () => {
        api = await startFakeEmqxApi(admin);
        const client = emqxApi(api.url, Date.now() + 10_000);
        access = { api: client, token: await login(client, { ...admin, containerName: "ai4e_emqx" }) };
    });
    after(() => api.stop());

    it("stores each account's rules in order, and those for all clients", async () => {
        const result = await syncAcl({ ...access, rules: [sensorOwn, noHashForAll, appReads, sensorNoFirmware] });
        assert.deepEqual(result, { users: ["sensor", "app"], all: 1, deleted: [] });
        assert.deepEqual(api.acl.users.get("sensor"), [
            { topic: "sensors/${username}/#", permission: "allow", action: "all" },
            { topic: "sensors/sensor/firmware", permission: "deny", action: "publish" },
        ]);
        assert.deepEqual(api.acl.all, [{ topic: "eq #", permission: "deny", action: "subscribe" }]);
    });

    it("reads them back in the stack's shape, whatever EMQX adds", async () => {
        assert.deepEqual((await readAcl(access)).rules, [sensorOwn, sensorNoFirmware, appReads, noHashForAll]);
    });

    it("is idempotent, and removes what the configuration no longer lists: an account's rules, those for all, any client id's", async () => {
        api.acl.clients.set("rogue-device", [{ topic: "#", permission: "allow", action: "all" }]);
        api.acl.users.set("made-in-dashboard", [{ topic: "#", permission: "allow", action: "all" }]);
        const result = await syncAcl({ ...access, rules: [sensorOwn] });
        assert.deepEqual(result, { users: ["sensor"], all: 0, deleted: ["app", "made-in-dashboard", "client rogue-device"] });
        assert.deepEqual([...api.acl.users.keys()], ["sensor"]);
        assert.deepEqual([api.acl.all, api.acl.clients.size], [[], 0]);
        const sent = api.requests.length;
        assert.deepEqual(await syncAcl({ ...access, rules: [sensorOwn] }), { users: ["sensor"], all: 0, deleted: [] });
        assert.ok(!api.requests.slice(sent).some((r) => r.startsWith("DELETE")), "nothing left to delete the second time");
    });

    it("reads every page of a long list", async () => {
        for (let i = 0; i < 230; i++) api.acl.users.set(`stale-${i}`, [{ topic: "x", permission: "allow", action: "all" }]);
        const result = await syncAcl({ ...access, rules: [sensorOwn] });
        assert.equal(result.deleted.length, 230);
        assert.deepEqual([...api.acl.users.keys()], ["sensor"]);
    });

    it("says so when EMQX has no built-in database authorization source", async () => {
        const bare = await startFakeEmqxApi(admin, { authzSource: false });
        try {
            const client = emqxApi(bare.url, Date.now() + 5000);
            const token = await login(client, { ...admin, containerName: "x" });
            await assert.rejects(syncAcl({ api: client, token, rules: [sensorOwn] }), /^Error: EMQX has no built_in_database authorization source, so the stack's MQTT authorization rules cannot be stored \(HTTP 404/);
        } finally {
            await bare.stop();
        }
    });
});
