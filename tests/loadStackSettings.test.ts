/** The config loader under Pulumi's runtime: typed arguments, and every secret it hands the Deployment a Pulumi secret. */
import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DeploymentArgs } from "../components/deploymentArgs";
import { loadStackConfig } from "../lib/config/loadStackSettings";
import { makeTempPki } from "./brokers/certificates";
import { stackConfig } from "./harness/stackFiles";

function plain<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

describe("loadStackConfig (prod, every secret set)", () => {
    const pki = makeTempPki();
    after(() => pki.remove());
    let args: DeploymentArgs;

    before(async () => {
        const { values, secretKeys } = stackConfig("prod", {
            dashboardPassword: { secret: "a-long-dashboard-password" },
            nodeCookie: { secret: "prod_cookie_0123456789" },
            mqttUsers: { secret: JSON.stringify([{ username: "sensor", password: "sensor-password-1" }]) },
            mqttAcl: JSON.stringify([{ username: "sensor", permission: "allow", action: "all", topic: "sensors/${username}/#" }]),
            tlsCertificate: pki.cert,
            tlsPrivateKey: { secret: pki.key },
            tlsCaCertificate: pki.ca,
        });
        pulumi.runtime.setAllConfig(values, secretKeys);
        await pulumi.runtime.setMocks({ newResource: (args) => ({ id: args.name, state: args.inputs }), call: (args) => args.inputs }, "emqx", "prod", false);
        args = loadStackConfig();
    });

    it("wraps the dashboard password, cookie, MQTT accounts and TLS key as secrets", async () => {
        for (const key of ["dashboardPassword", "nodeCookie", "mqttUsers", "tlsPrivateKey"] as const) {
            assert.equal(await pulumi.isSecret(pulumi.output(args[key])), true, key);
        }
    });

    it("keeps a password taken out of the accounts secret", async () => {
        const first = pulumi.output(args.mqttUsers!).apply((users) => users[0].password);
        assert.equal(await pulumi.isSecret(first), true);
        assert.equal(await plain(first), "sensor-password-1");
    });

    it("hands every other key over plain, in its own type: numbers, booleans, structured lists", () => {
        assert.equal(args.mqttPort, 1883);
        assert.equal(args.allowAnonymous, false);
        assert.equal(args.mqttAcl?.[0].topic, "sensors/${username}/#");
        assert.match(String(args.tlsCertificate), /^-----BEGIN CERTIFICATE-----/);
    });
});
