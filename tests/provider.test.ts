/**
 * The post-deploy check's dynamic provider exactly as the engine runs it: the serialized
 * `__provider` text the program registers, loaded with require-from-string, `.handler()` called,
 * then `create` run against a real mosquitto.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import requireFromString from "require-from-string";
import { type FakeEmqxApi, startFakeEmqxApi } from "./brokers/emqxApi";
import { type Mosquitto, startMosquitto } from "./brokers/mosquitto";
import { freePort } from "./brokers/ports";
import { only, runProgram } from "./harness/scenario";

describe("post-deploy check provider, as the engine loads it", () => {
    let provider: Required<import("@pulumi/pulumi").dynamic.ResourceProvider>;
    let broker: Mosquitto;
    let api: FakeEmqxApi;
    let dashboard: Record<string, string>;
    let registered: Record<string, unknown>;
    let secretInputs: string[];

    before(async () => {
        const run = await runProgram("dev");
        const check = only(run, "pulumi-nodejs:dynamic:Resource");
        registered = check.inputs;
        secretInputs = check.secretInputs;
        assert.ok(check.dependsOn.includes("docker:index/container:Container::emqx"), "the check waits for the container");
        provider = requireFromString(check.inputs.__provider as string).handler();
        broker = await startMosquitto();
        api = await startFakeEmqxApi({ username: "admin", password: "long-enough-pw" });
        dashboard = { dashboardUrl: api.url, dashboardUsername: "admin", dashboardPassword: "long-enough-pw", containerName: "ai4e_emqx" };
    });
    after(async () => {
        await broker?.stop();
        await api?.stop();
    });

    it("is registered with the dev stack's URLs, timeout, container and dashboard login", () => {
        assert.equal(registered.url, "mqtt://127.0.0.1:1883");
        assert.equal(registered.timeoutSeconds, 120);
        assert.equal(registered.brokerId, "emqx-id");
        assert.equal(registered.dashboardUrl, "http://127.0.0.1:18083");
        assert.equal(registered.dashboardUsername, "admin");
        assert.equal(registered.containerName, "ai4e_emqx");
    });

    it("receives the dashboard password as a secret", () => assert.ok(secretInputs.includes("dashboardPassword"), secretInputs.join(", ")));

    it("create proves a round trip and the dashboard login, and records them", async () => {
        const inputs = { url: `mqtt://127.0.0.1:${broker.port}`, timeoutSeconds: 5, brokerId: "c1", ...dashboard };
        const result = await provider.create(inputs);
        assert.ok(result.outs.roundTripMs > 0, `roundTripMs ${result.outs.roundTripMs}`);
        assert.ok(!Number.isNaN(Date.parse(result.outs.checkedAt)));
        assert.equal(result.outs.url, inputs.url);
        assert.deepEqual(api.requests.slice(-2), ["GET /status", "POST /api/v5/login"]);
    });

    it("create fails the deployment when the dashboard refuses the configured password", async () => {
        const inputs = { url: `mqtt://127.0.0.1:${broker.port}`, timeoutSeconds: 5, brokerId: "c1", ...dashboard, dashboardPassword: "stale" };
        await assert.rejects(provider.create(inputs), /^Error: post-deploy dashboard check failed: dashboard login as admin was refused \(HTTP 401\)/);
    });

    it("create fails the deployment with the check's reason", async () => {
        const port = await freePort();
        await assert.rejects(
            provider.create({ url: `mqtt://127.0.0.1:${port}`, timeoutSeconds: 1, brokerId: "c1", ...dashboard }),
            (err: Error) =>
                err.message ===
                `post-deploy MQTT check of mqtt://127.0.0.1:${port} failed: could not connect to 127.0.0.1:${port} within 1 s, last error ECONNREFUSED`,
        );
    });

    it("runs again when the container is replaced, not otherwise", async () => {
        const olds = { url: "mqtt://127.0.0.1:1883", timeoutSeconds: 120, brokerId: "c1", ...dashboard };
        assert.equal((await provider.diff("id", olds, { ...olds })).changes, false);
        assert.equal((await provider.diff("id", olds, { ...olds, brokerId: "c2" })).changes, true);
        assert.equal((await provider.diff("id", olds, { ...olds, url: "mqtt://127.0.0.1:1884" })).changes, true);
        assert.equal((await provider.diff("id", olds, { ...olds, dashboardPassword: "rotated-password" })).changes, true);
        const updated = await provider.update("id", olds, { ...olds, url: `mqtt://127.0.0.1:${broker.port}` });
        assert.ok(updated.outs!.roundTripMs > 0);
    });
});
