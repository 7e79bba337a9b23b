/** The config loader under Pulumi's runtime: every secret it hands the program is a Pulumi secret. */
import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { loadStackSettings, type StackSettings } from "../lib/config/loadStackSettings";
import { makeTempPki } from "./brokers/certificates";
import { stackConfig } from "./harness/stackFiles";

function plain<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

describe("loadStackSettings (prod, every secret set)", () => {
    const pki = makeTempPki();
    after(() => pki.remove());
    let settings: StackSettings;

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
        settings = loadStackSettings();
    });

    it("wraps the dashboard password, cookie, MQTT accounts and TLS key as secrets", async () => {
        assert.equal(await pulumi.isSecret(settings.dashboardPassword), true);
        assert.equal(await pulumi.isSecret(settings.nodeCookie!), true);
        assert.equal(await pulumi.isSecret(settings.mqttUsers), true);
        assert.equal(await pulumi.isSecret(settings.tls!.privateKey), true);
    });

    it("keeps a password taken out of the accounts secret", async () => {
        const first = settings.mqttUsers.apply((users) => users[0].password);
        assert.equal(await pulumi.isSecret(first), true);
        assert.equal(await plain(first), "sensor-password-1");
    });

    it("leaves what is public plain: names and the certificate", () => {
        assert.deepEqual(settings.mqttUsernames, ["sensor"]);
        assert.match(settings.tls!.certificate, /^-----BEGIN CERTIFICATE-----/);
    });
});
