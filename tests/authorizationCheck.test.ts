/**
 * The post-deploy proof that the broker applies the stack's authorization rules, against real
 * brokers: aedes (whose authorizer refuses a subscription with SUBACK 128, as EMQX does for MQTT
 * 3.1.1) and mosquitto with an ACL file (which refuses an MQTT 5 publish with PUBACK 0x87, as EMQX
 * does; for 3.1.1 subscriptions it grants and drops, so it cannot stand in for that part).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { checkRefused } from "../lib/check/authorization";
import { runPostDeployCheck } from "../lib/check/postDeploy";
import { startAedes } from "./brokers/aedes";
import { type FakeEmqxApi, startFakeEmqxApi } from "./brokers/emqxApi";
import { type Mosquitto, startMosquitto } from "./brokers/mosquitto";

const sensor = { username: "sensor", password: "sensor-password-1" };
const soon = () => Date.now() + 5000;

describe("a forbidden subscription (aedes, whose authorizer refuses forbidden/#)", () => {
    let broker: { port: number; stop(): Promise<void> };
    before(async () => {
        broker = await startAedes({ authorizeSubscribe: (_client, sub, done) => done(null, sub.topic.startsWith("forbidden/") ? null : sub) });
    });
    after(() => broker.stop());

    it("passes when the broker refuses it, naming the rule", async () => {
        const line = await checkRefused(`mqtt://127.0.0.1:${broker.port}`, {}, { action: "subscribe", topic: "forbidden/x", because: "emqx:mqttAcl[2] denies it" }, soon());
        assert.equal(line, "subscribe to forbidden/x refused (code 128), as emqx:mqttAcl[2] denies it");
    });

    it("fails when the broker grants it: the rules are not in force", async () => {
        await assert.rejects(checkRefused(`mqtt://127.0.0.1:${broker.port}`, {}, { action: "subscribe", topic: "allowed/x", because: "emqx:mqttAcl[2] denies it" }, soon()), {
            message: "subscribe to allowed/x was granted, though emqx:mqttAcl[2] denies it: EMQX does not apply the stack's authorization rules",
        });
    });
});

describe("a forbidden publish, and the whole proof (mosquitto whose ACL gives sensor only sensors/sensor/#)", () => {
    let broker: Mosquitto;
    let api: FakeEmqxApi;
    before(async () => {
        broker = await startMosquitto({ users: { [sensor.username]: sensor.password }, acl: "user sensor\ntopic readwrite sensors/sensor/#\n" });
        api = await startFakeEmqxApi({ username: "admin", password: "long-enough-pw" });
    });
    after(async () => {
        await broker.stop();
        await api.stop();
    });

    it("passes when an MQTT 5 publish gets PUBACK 0x87, and fails when it is accepted", async () => {
        const url = `mqtt://127.0.0.1:${broker.port}`;
        const line = await checkRefused(url, sensor, { action: "publish", topic: "cmd/x", because: "emqx:mqttAcl[1] denies it" }, soon());
        assert.equal(line, "publish to cmd/x refused (code 135), as emqx:mqttAcl[1] denies it");
        await assert.rejects(checkRefused(url, sensor, { action: "publish", topic: "sensors/sensor/x", because: "emqx:mqttAcl[1] denies it" }, soon()), /^Error: publish to sensors\/sensor\/x was granted/);
    });

    it("the post-deploy check makes its round trip on the topic the rules allow, and proves the refusal", async () => {
        const inputs = {
            url: `mqtt://127.0.0.1:${broker.port}`,
            ...sensor,
            timeoutSeconds: 5,
            refuseAnonymous: true,
            dashboardUrl: api.url,
            dashboardUsername: "admin",
            dashboardPassword: "long-enough-pw",
            containerName: "ai4e_emqx",
            acl: { roundTripTopic: "sensors/sensor/FILL", refused: { action: "publish" as const, topic: "cmd/FILL", because: "emqx:mqttAcl[1] denies it" } },
        };
        const line = await runPostDeployCheck(inputs);
        assert.match(line, /round trip [0-9.]+ ms as sensor on sensors\/sensor\/emqx-check-[0-9a-f]{12}, anonymous client refused, publish to cmd\/emqx-check-[0-9a-f]{12} refused \(code 135\), as emqx:mqttAcl\[1\] denies it, dashboard login accepted$/);
        await assert.rejects(runPostDeployCheck({ ...inputs, timeoutSeconds: 2, acl: undefined }), /the message did not come back within/, "without the rules' topic, mosquitto's ACL drops the check's own");
    });
});
