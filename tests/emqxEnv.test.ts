/** EMQX's environment as a plain function: what EMQX's HOCON reader and bin/emqx make of each value. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderEmqxEnv } from "../lib/emqx/env";

const base = { nodeName: "emqx@broker.ai4e.internal", logLevel: "warning", dashboardUsername: "admin", firstBootPassword: "public", builtInAuthentication: false, retainOnDisc: false, settings: [] };
const value = (env: string[], name: string) => env.find((line) => line.startsWith(`${name}=`))?.slice(name.length + 1);

describe("EMQX environment", () => {
    it("quotes every string EMQX parses as HOCON, so a digits-only password stays text", () => {
        const env = renderEmqxEnv({ ...base, firstBootPassword: "12345678", dashboardUsername: "007" });
        assert.equal(value(env, "EMQX_DASHBOARD__DEFAULT_PASSWORD"), '"12345678"');
        assert.equal(value(env, "EMQX_DASHBOARD__DEFAULT_USERNAME"), '"007"');
        assert.equal(value(env, "EMQX_LOG__CONSOLE__LEVEL"), '"warning"');
    });

    it("escapes quotes and backslashes inside a string as HOCON's JSON-style strings do", () => {
        assert.equal(value(renderEmqxEnv({ ...base, firstBootPassword: 'a"b\\c#d:e' }), "EMQX_DASHBOARD__DEFAULT_PASSWORD"), '"a\\"b\\\\c#d:e"');
    });

    it("leaves the node name and cookie raw: bin/emqx hands them to the Erlang VM without HOCON", () => {
        const env = renderEmqxEnv({ ...base, nodeCookie: "prod_cookie-1" });
        assert.equal(value(env, "EMQX_NODE__NAME"), "emqx@broker.ai4e.internal");
        assert.equal(value(env, "EMQX_NODE__COOKIE"), "prod_cookie-1");
    });

    it("creates the built-in database authenticator as a whole array, then names the same element's fields", () => {
        const env = renderEmqxEnv({ ...base, builtInAuthentication: true });
        const auth = env.filter((line) => line.startsWith("EMQX_AUTHENTICATION"));
        assert.deepEqual(auth, [
            'EMQX_AUTHENTICATION=[{mechanism = "password_based", backend = "built_in_database", user_id_type = "username"}]',
            'EMQX_AUTHENTICATION__1__BACKEND="built_in_database"',
            'EMQX_AUTHENTICATION__1__MECHANISM="password_based"',
            'EMQX_AUTHENTICATION__1__USER_ID_TYPE="username"',
        ], "EMQX applies variables in name order: the array first");
        assert.equal(renderEmqxEnv(base).some((line) => line.startsWith("EMQX_AUTHENTICATION")), false);
    });

    it("seeds a cluster node statically and turns off OTP's overlapping-partition prevention, which can leave EMQX 5.1's database split after a host returns", () => {
        const env = renderEmqxEnv({ ...base, clusterSeeds: ["emqx@broker.ai4e.internal"] });
        assert.equal(value(env, "EMQX_CLUSTER__DISCOVERY_STRATEGY"), '"static"');
        assert.equal(value(env, "EMQX_CLUSTER__STATIC__SEEDS"), '["emqx@broker.ai4e.internal"]');
        assert.equal(value(env, "ERL_FLAGS"), "-kernel prevent_overlapping_partitions false");
        assert.equal(value(renderEmqxEnv(base), "ERL_FLAGS"), undefined, "a single broker keeps the VM's defaults");
    });

    it("leaves authorization and retained messages to EMQX's defaults unless the stack manages them", () => {
        assert.equal(renderEmqxEnv(base).some((line) => /^EMQX_(AUTHORIZATION|RETAINER)/.test(line)), false);
    });

    it("with deny for unmatched requests, the built-in database is the only authorization source: EMQX's acl.conf ends with {allow, all}", () => {
        const env = renderEmqxEnv({ ...base, authorization: { noMatch: "deny" } });
        assert.equal(value(env, "EMQX_AUTHORIZATION__NO_MATCH"), '"deny"');
        assert.equal(value(env, "EMQX_AUTHORIZATION__SOURCES"), '[{type = "built_in_database", enable = true}]');
    });

    it("with allow, the stack's rules come first and EMQX's own acl.conf still guards $SYS/# and #", () => {
        const env = renderEmqxEnv({ ...base, authorization: { noMatch: "allow" } });
        assert.equal(value(env, "EMQX_AUTHORIZATION__SOURCES"), '[{type = "built_in_database", enable = true}, {type = "file", enable = true, path = "/opt/emqx/etc/acl.conf"}]');
    });

    it("keeps retained messages on disc when asked, and renders emqxConfig's settings as given", () => {
        const env = renderEmqxEnv({ ...base, retainOnDisc: true, settings: [{ variable: "EMQX_MQTT__MAX_PACKET_SIZE", hocon: '"1MB"' }] });
        assert.equal(value(env, "EMQX_RETAINER__BACKEND__STORAGE_TYPE"), '"disc"');
        assert.equal(value(env, "EMQX_MQTT__MAX_PACKET_SIZE"), '"1MB"');
    });
});
