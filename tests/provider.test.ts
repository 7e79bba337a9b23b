/**
 * The post-deploy check's dynamic provider exactly as the engine runs it: the serialized
 * `__provider` text the program registers, loaded with require-from-string, `.handler()` called,
 * then `create` run against a real mosquitto.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import requireFromString from "require-from-string";
import { type Mosquitto, startMosquitto } from "./brokers/mosquitto";
import { freePort } from "./brokers/ports";
import { only, runProgram } from "./harness/scenario";

describe("post-deploy check provider, as the engine loads it", () => {
    let provider: Required<import("@pulumi/pulumi").dynamic.ResourceProvider>;
    let broker: Mosquitto;
    let registered: Record<string, unknown>;

    before(async () => {
        const run = await runProgram("dev");
        const check = only(run, "pulumi-nodejs:dynamic:Resource");
        registered = check.inputs;
        assert.ok(check.dependsOn.includes("docker:index/container:Container::emqx"), "the check waits for the container");
        provider = requireFromString(check.inputs.__provider as string).handler();
        broker = await startMosquitto();
    });
    after(() => broker?.stop());

    it("is registered with the dev stack's URL, timeout and container id", () => {
        assert.equal(registered.url, "mqtt://127.0.0.1:1883");
        assert.equal(registered.timeoutSeconds, 120);
        assert.equal(registered.brokerId, "emqx-id");
    });

    it("create proves a round trip and records it", async () => {
        const inputs = { url: `mqtt://127.0.0.1:${broker.port}`, timeoutSeconds: 5, brokerId: "c1" };
        const result = await provider.create(inputs);
        assert.ok(result.outs.roundTripMs > 0, `roundTripMs ${result.outs.roundTripMs}`);
        assert.ok(!Number.isNaN(Date.parse(result.outs.checkedAt)));
        assert.equal(result.outs.url, inputs.url);
    });

    it("create fails the deployment with the check's reason", async () => {
        const port = await freePort();
        await assert.rejects(
            provider.create({ url: `mqtt://127.0.0.1:${port}`, timeoutSeconds: 1, brokerId: "c1" }),
            (err: Error) =>
                err.message ===
                `post-deploy MQTT check of mqtt://127.0.0.1:${port} failed: could not connect to 127.0.0.1:${port} within 1 s, last error ECONNREFUSED`,
        );
    });

    it("runs again when the container is replaced, not otherwise", async () => {
        const olds = { url: "mqtt://127.0.0.1:1883", timeoutSeconds: 120, brokerId: "c1" };
        assert.equal((await provider.diff("id", olds, { ...olds })).changes, false);
        assert.equal((await provider.diff("id", olds, { ...olds, brokerId: "c2" })).changes, true);
        assert.equal((await provider.diff("id", olds, { ...olds, url: "mqtt://127.0.0.1:1884" })).changes, true);
        const updated = await provider.update("id", olds, { ...olds, url: `mqtt://127.0.0.1:${broker.port}` });
        assert.ok(updated.outs!.roundTripMs > 0);
    });
});
