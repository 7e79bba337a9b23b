/** EMQX's authorization as lib/emqx/acl.ts models it: topic filters, the order rules apply in, and what the check proves. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aclProof, type AclRule, emqxRules, topicFilterProblem, verdict } from "../lib/emqx/acl";

const sensorOwn: AclRule = { username: "sensor", permission: "allow", action: "all", topic: "sensors/${username}/#" };
const appReads: AclRule = { username: "app", permission: "allow", action: "subscribe", topic: "sensors/+/temperature" };
const noWildcardForAll: AclRule = { permission: "deny", action: "subscribe", topic: "eq #" };

describe("topic filters of rules", () => {
    for (const [topic, problem] of [
        ["sensors/${username}/#", undefined],
        ["a/+/b", undefined],
        ["#", undefined],
        ["eq a/+/#", undefined],
        ["devices/${clientid}/cmd", undefined],
        ["", "is empty"],
        ["eq ", "has nothing after `eq `"],
        ["a/#/b", "has `#` other than as its whole last level"],
        ["a/b#", "has `#` other than as its whole last level"],
        ["a/b+/c", "has `+` other than as a whole level"],
        ["a/${peerhost}", "has the placeholder ${peerhost}; EMQX knows ${username} and ${clientid}"],
    ] as const) {
        it(`"${topic}": ${problem ?? "valid"}`, () => assert.equal(topicFilterProblem(topic), problem));
    }
});

describe("verdicts, as EMQX gives them", () => {
    const rules = [noWildcardForAll, sensorOwn, { username: "sensor", permission: "deny", action: "publish", topic: "sensors/sensor/firmware" } as AclRule, appReads];
    const sensor = { username: "sensor", clientId: "c1" };

    it("an account's rules come before those for all, and the first match wins", () => {
        assert.deepEqual(verdict(rules, sensor, "publish", "sensors/sensor/firmware", "deny"), { permission: "allow", index: 1 }, "rule 1 matches before the deny at 2");
        assert.deepEqual(verdict(rules, { username: "app", clientId: "c2" }, "subscribe", "#", "allow"), { permission: "deny", index: 0 });
    });

    it("fills ${username} and ${clientid} for the client, and takes `eq` filters literally", () => {
        assert.equal(verdict(rules, sensor, "subscribe", "sensors/sensor/x", "deny").permission, "allow");
        assert.equal(verdict(rules, sensor, "subscribe", "sensors/other/x", "deny").permission, "deny");
        assert.equal(verdict([{ permission: "allow", action: "all", topic: "d/${clientid}" }], sensor, "publish", "d/c1", "deny").permission, "allow");
        assert.equal(verdict([noWildcardForAll], sensor, "subscribe", "a/b", "allow").index, undefined, "eq # matches only the filter #");
    });

    it("matches an action to its rule: publish, subscribe or all", () => {
        assert.equal(verdict(rules, { username: "app", clientId: "c2" }, "publish", "sensors/x/temperature", "deny").permission, "deny");
        assert.equal(verdict(rules, { username: "app", clientId: "c2" }, "subscribe", "sensors/x/temperature", "deny").permission, "allow");
    });

    it("keeps wildcards away from $-topics, as MQTT does", () => {
        assert.equal(verdict([{ permission: "allow", action: "all", topic: "#" }], sensor, "subscribe", "$SYS/brokers", "deny").permission, "deny");
    });
});

describe("what the post-deploy check proves", () => {
    it("a round trip on the first account's own topic, and a subscription a deny rule forbids", () => {
        assert.deepEqual(aclProof([noWildcardForAll, sensorOwn], "sensor", "deny"), {
            roundTripTopic: "sensors/sensor/FILL",
            refused: { action: "subscribe", topic: "#", because: "emqx:mqttAcl[0] denies it" },
        });
    });

    it("with deny for unmatched requests and no deny rule, a topic no rule allows", () => {
        assert.deepEqual(aclProof([sensorOwn], "sensor", "deny"), {
            roundTripTopic: "sensors/sensor/FILL",
            refused: { action: "subscribe", topic: "emqx-check/unlisted/FILL", because: "no rule allows it (authorization.no_match is deny)" },
        });
    });

    it("a publish when only publishing is denied", () => {
        const rules: AclRule[] = [{ username: "sensor", permission: "deny", action: "publish", topic: "cmd/#" }];
        assert.deepEqual(aclProof(rules, "sensor", "allow"), { roundTripTopic: "emqx-check/FILL", refused: { action: "publish", topic: "cmd/FILL", because: "emqx:mqttAcl[0] denies it" } });
    });

    it("skips a rule it cannot turn into a topic (one that names the client id), and another account's rules", () => {
        const rules: AclRule[] = [{ username: "sensor", permission: "allow", action: "all", topic: "d/${clientid}/#" }, { ...sensorOwn, username: "app" }, { permission: "allow", action: "all", topic: "eq shared/board" }];
        assert.equal(aclProof(rules, "sensor", "deny")?.roundTripTopic, "shared/board");
    });

    it("nothing to prove when the account may use no topic for both publish and subscribe", () => {
        assert.equal(aclProof([appReads], "app", "deny"), undefined);
    });

    it("an anonymous client uses the rules for all", () => {
        assert.equal(aclProof([{ permission: "allow", action: "all", topic: "public/#" }], undefined, "deny")?.roundTripTopic, "public/FILL");
    });
});

describe("rules as EMQX's API takes them", () => {
    it("by username, each in configuration order, and those for all clients", () => {
        const second: AclRule = { username: "sensor", permission: "deny", action: "publish", topic: "x" };
        const { users, all } = emqxRules([sensorOwn, noWildcardForAll, appReads, second]);
        assert.deepEqual([...users], [
            ["sensor", [{ topic: "sensors/${username}/#", permission: "allow", action: "all" }, { topic: "x", permission: "deny", action: "publish" }]],
            ["app", [{ topic: "sensors/+/temperature", permission: "allow", action: "subscribe" }]],
        ]);
        assert.deepEqual(all, [{ topic: "eq #", permission: "deny", action: "subscribe" }]);
    });
});
