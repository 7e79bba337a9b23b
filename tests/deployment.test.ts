/**
 * emqx:index:Deployment as a program of any language meets it: its schema (what `pulumi package
 * add` generates SDKs from) documents every configuration key as an argument and every stack
 * output, and a bad argument stops it before any resource, naming the argument.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { packageSchema } from "../components/packageSchema";
import { structuredKeys as documentedStructuredKeys } from "../scripts/configTable";
import { configDefaults, structuredKeys } from "../lib/config/defaults";
import { declaredConfig } from "./harness/stackFiles";
import { runProgram } from "./harness/scenario";

type Property = { description?: string; type?: string; secret?: boolean };

describe("the package's schema", () => {
    let deployment: { inputProperties: Record<string, Property>; properties: Record<string, Property> };

    before(async () => {
        deployment = JSON.parse(await packageSchema()).resources["emqx:index:Deployment"];
    });

    it("takes every configuration key as an argument, each documented", () => {
        const keys = [...Object.keys(declaredConfig()), ...structuredKeys];
        assert.deepEqual(Object.keys(deployment.inputProperties).sort(), keys.sort());
        for (const key of keys) assert.ok((deployment.inputProperties[key].description ?? "").length > 20, `${key} has a description`);
    });

    it("marks the secret arguments secret, so every SDK wraps them before they leave the program", () => {
        const secret = Object.entries(deployment.inputProperties).filter(([, p]) => p.secret).map(([key]) => key);
        assert.deepEqual(secret.sort(), ["dashboardPassword", "dockerKey", "mqttUsers", "nodeCookie", "tlsPrivateKey"]);
    });

    it("gives every stack output as an output, each documented", async () => {
        const stackOutputs = Object.keys((await runProgram("dev")).outputs);
        assert.deepEqual(Object.keys(deployment.properties).sort(), stackOutputs.sort());
        for (const [key, property] of Object.entries(deployment.properties)) assert.ok(property.description, `${key} has a description`);
    });
});

describe("configuration defaults", () => {
    it("are Pulumi.yaml's, key for key, so a Deployment and a stack start from the same values", () => {
        const declared = Object.fromEntries(Object.entries(declaredConfig()).map(([key, d]) => [key, d.default]));
        assert.deepEqual({ ...configDefaults }, declared);
    });

    it("name the same structured keys as the README's table", () => {
        assert.deepEqual([...structuredKeys].sort(), [...documentedStructuredKeys].sort());
    });
});

describe("a Deployment in a TypeScript program", () => {
    const dev = { allowInsecureDefaults: true, allowAnonymous: true, dashboardPassword: "a-long-password-1", containerName: "my_emqx", memoryMb: 0 };

    it("declares the broker under its own name, its secrets secret in every input", async () => {
        const run = await runProgram("dev", {}, { deploymentArgs: dev });
        assert.equal(run.error, undefined);
        const container = run.resources.find((r) => r.type === "docker:index/container:Container")!;
        assert.deepEqual([container.name, container.parent, container.inputs.name], ["broker", "emqx:index:Broker::broker", "my_emqx"]);
        const deployment = run.resources.find((r) => r.type === "emqx:index:Deployment")!;
        assert.deepEqual(deployment.secretInputs, ["dashboardPassword"], "the component's recorded arguments keep the password secret");
        assert.equal(run.outputs.mqttUrl.value, "mqtt://127.0.0.1:1883");
    });

    it("warns naming its arguments, not the stack's config keys", async () => {
        const production = { dashboardPassword: "a-long-password-1", nodeCookie: "broker_cookie_0123", allowAnonymous: true };
        const run = await runProgram("dev", {}, { deploymentArgs: production });
        assert.equal(run.error, undefined);
        assert.deepEqual(run.warnings, ["the TLS listeners (8883, 8084) serve the test certificates shipped in the EMQX image; set tlsCertificate and tlsPrivateKey (secret) to serve your own"]);
    });

    it("fails with a RunError naming a bad argument, before any resource", async () => {
        const run = await runProgram("dev", {}, { deploymentArgs: { ...dev, mqttPort: 0 } });
        assert.equal(run.error?.name, "RunError", "a RunError prints its message without a stack trace");
        assert.deepEqual(run.error!.message.split("\n"), ['invalid arguments of emqx:index:Deployment "broker":', '  mqttPort is "0"; expected a whole number from 1 to 65535']);
        assert.deepEqual(run.resources.map((r) => r.type), ["emqx:index:Deployment"], "only the component itself, no resource");
    });

    it("names an argument it does not take", async () => {
        const run = await runProgram("dev", {}, { deploymentArgs: { ...dev, mqttPrt: 1884 } });
        assert.match(run.error!.message, /^\s+mqttPrt is not an argument of emqx:index:Deployment$/m);
    });
});
