/**
 * The dynamic providers exactly as the engine runs them: the serialized `__provider` text the
 * program registers, loaded with require-from-string, `.handler()` called, then `create` run
 * against a real mosquitto (the check) and a stand-in answering as EMQX's API does (the accounts).
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
        const check = only(run, "pulumi-nodejs:dynamic/emqx:PostDeployCheck");
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
        assert.equal(registered.dashboardUrl, "http://127.0.0.1:18083");
        assert.equal(registered.dashboardUsername, "admin");
        assert.equal(registered.containerName, "ai4e_emqx");
    });

    it("receives the dashboard password as a secret", () => assert.ok(secretInputs.includes("dashboardPassword"), secretInputs.join(", ")));

    it("create proves a round trip and the dashboard login, and records them", async () => {
        const inputs = { url: `mqtt://127.0.0.1:${broker.port}`, timeoutSeconds: 5, containerId: "c1", ...dashboard };
        const result = await provider.create(inputs);
        assert.ok(result.outs.roundTripMs > 0, `roundTripMs ${result.outs.roundTripMs}`);
        assert.ok(!Number.isNaN(Date.parse(result.outs.checkedAt)));
        assert.equal(result.outs.url, inputs.url);
        assert.deepEqual(api.requests.slice(-2), ["GET /status", "POST /api/v5/login"]);
    });

    it("create fails the deployment when the dashboard refuses the configured password", async () => {
        const inputs = { url: `mqtt://127.0.0.1:${broker.port}`, timeoutSeconds: 5, containerId: "c1", ...dashboard, dashboardPassword: "stale" };
        await assert.rejects(provider.create(inputs), /^Error: post-deploy dashboard check failed: dashboard login as admin was refused \(HTTP 401\)/);
    });

    it("create fails the deployment with the check's reason", async () => {
        const port = await freePort();
        await assert.rejects(
            provider.create({ url: `mqtt://127.0.0.1:${port}`, timeoutSeconds: 1, containerId: "c1", ...dashboard }),
            (err: Error) =>
                err.message ===
                `post-deploy MQTT check of mqtt://127.0.0.1:${port} failed: could not connect to 127.0.0.1:${port} within 1 s, last error ECONNREFUSED`,
        );
    });

    it("create fails the deployment when a broker with accounts still lets anonymous clients in", async () => {
        const inputs = { url: `mqtt://127.0.0.1:${broker.port}`, timeoutSeconds: 5, containerId: "c1", refuseAnonymous: true, ...dashboard };
        await assert.rejects(provider.create(inputs), {
            message: `post-deploy anonymous-client check of ${inputs.url} failed: an anonymous client was let in at ${inputs.url}; the broker does not require credentials`,
        });
    });

    it("runs again when the container is replaced, not otherwise", async () => {
        const olds = { url: "mqtt://127.0.0.1:1883", timeoutSeconds: 120, containerId: "c1", ...dashboard };
        assert.equal((await provider.diff("id", olds, { ...olds })).changes, false);
        assert.equal((await provider.diff("id", olds, { ...olds, containerId: "c2" })).changes, true);
        assert.equal((await provider.diff("id", olds, { ...olds, url: "mqtt://127.0.0.1:1884" })).changes, true);
        assert.equal((await provider.diff("id", olds, { ...olds, dashboardPassword: "rotated-password" })).changes, true);
        const updated = await provider.update("id", olds, { ...olds, url: `mqtt://127.0.0.1:${broker.port}` });
        assert.ok(updated.outs!.roundTripMs > 0);
    });
});

describe("post-deploy check provider with accounts and TLS (real mosquitto with a password file and a TLS listener)", () => {
    let provider: Required<import("@pulumi/pulumi").dynamic.ResourceProvider>;
    let broker: Mosquitto;
    let api: FakeEmqxApi;
    let inputs: Record<string, unknown>;

    before(async () => {
        const run = await runProgram("dev");
        provider = requireFromString(only(run, "pulumi-nodejs:dynamic/emqx:PostDeployCheck").inputs.__provider as string).handler();
        broker = await startMosquitto({ users: { sensor: "sensor-password-1" }, tls: true });
        api = await startFakeEmqxApi({ username: "admin", password: "long-enough-pw" });
        inputs = {
            url: `mqtt://127.0.0.1:${broker.port}`,
            username: "sensor",
            password: "sensor-password-1",
            refuseAnonymous: true,
            tlsUrl: `mqtts://127.0.0.1:${broker.tlsPort}`,
            tlsCa: broker.pki!.ca,
            tlsServerName: "localhost",
            timeoutSeconds: 5,
            containerId: "c1",
            dashboardUrl: api.url,
            dashboardUsername: "admin",
            dashboardPassword: "long-enough-pw",
            containerName: "ai4e_emqx",
        };
    });
    after(async () => {
        await broker?.stop();
        await api?.stop();
    });

    it("proves a round trip as the account, the refusal of an anonymous client, and a round trip over TLS", async () => {
        const result = await provider.create(inputs);
        assert.ok(result.outs.roundTripMs > 0);
    });

    it("fails when the certificate does not chain to the configured CA", async () => {
        await assert.rejects(provider.create({ ...inputs, tlsCa: broker.pki!.otherCa }), (err: Error) => {
            assert.match(err.message, new RegExp(`^post-deploy MQTT check of mqtts://127\\.0\\.0\\.1:${broker.tlsPort} failed: TLS handshake with 127\\.0\\.0\\.1:${broker.tlsPort} failed: `));
            return true;
        });
    });

    it("fails on a wrong account password without printing it", async () => {
        await assert.rejects(provider.create({ ...inputs, password: "wrong-password-9" }), (err: Error) => {
            assert.equal(err.message, `post-deploy MQTT check of ${inputs.url} failed: broker refused the connection: not authorized (code 5)`);
            return true;
        });
    });

    it("runs again when an account's password or the certificate's CA changes", async () => {
        assert.equal((await provider.diff("id", inputs, { ...inputs })).changes, false);
        assert.equal((await provider.diff("id", inputs, { ...inputs, password: "rotated-password" })).changes, true);
        assert.equal((await provider.diff("id", inputs, { ...inputs, tlsCa: "other" })).changes, true);
    });
});

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
});
