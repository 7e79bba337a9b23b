/** Config validation as a plain function, fed Pulumi.yaml defaults and a stack file as the CLI merges them. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { endpointsFor } from "../lib/endpoints";
import { ConfigError, parseSettings, type Settings } from "../lib/settings";
import { type ConfigValue, stackConfig } from "./harness/stackFiles";

function parse(stack: string, overrides: Record<string, ConfigValue | null> = {}): Settings {
    const { values, secretKeys } = stackConfig(stack, overrides);
    return parseSettings({ get: (key) => values[`emqx:${key}`], isSecret: (key) => secretKeys.includes(`emqx:${key}`) }, "emqx");
}

function problems(stack: string, overrides: Record<string, ConfigValue | null>): string[] {
    try {
        parse(stack, overrides);
    } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems;
    }
    assert.fail("the configuration was accepted");
}

const prodSecrets = { dashboardPassword: { secret: "long-enough-pw" }, nodeCookie: { secret: "cookie_value_123" } };

describe("secrets outside dev", () => {
    it("refuses prod without a dashboard password or cookie, saying how to set them", () => {
        assert.deepEqual(problems("prod", {}), [
            "emqx:dashboardPassword is not set; run `pulumi config set --secret dashboardPassword <value>`",
            "emqx:nodeCookie is not set; run `pulumi config set --secret nodeCookie <value>`",
        ]);
    });

    for (const [label, value, message] of [
        ["EMQX's default", "public", "emqx:dashboardPassword is EMQX's well-known default; choose your own with `pulumi config set --secret dashboardPassword <value>`"],
        ["shorter than 8", "short", "emqx:dashboardPassword is shorter than 8 characters; choose a longer one with `pulumi config set --secret dashboardPassword <value>`"],
        ["empty", "", "emqx:dashboardPassword is not set; run `pulumi config set --secret dashboardPassword <value>`"],
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
        const e = endpointsFor(s.ports, s.checkHost);
        assert.equal(e.mqttUrl, "mqtt://192.0.2.10:1883");
        assert.equal(e.dashboardUrl, "http://127.0.0.1:18083");
        assert.equal(endpointsFor(parse("dev").ports, "").dashboardUrl, "http://127.0.0.1:18083");
    });

    it("use emqx:checkHost when set", () => {
        const s = parse("dev", { checkHost: "broker.example.com", mqttPort: "11883" });
        assert.equal(endpointsFor(s.ports, s.checkHost).mqttUrl, "mqtt://broker.example.com:11883");
    });
});
