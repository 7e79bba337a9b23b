/** The MQTT check against real brokers: mosquitto from Debian and aedes in-process. No mocked MQTT. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { checkAnonymousRefused, checkMqtt, isMqttCheckError, type MqttCheckError } from "../lib/check/mqtt";
import { startAedes } from "./brokers/aedes";
import { type Mosquitto, startMosquitto } from "./brokers/mosquitto";
import { freePort, silentListener } from "./brokers/ports";
import { startWebSocketBridge } from "./brokers/websocketBridge";

async function failure(promise: Promise<unknown>): Promise<MqttCheckError> {
    try {
        await promise;
    } catch (err) {
        assert.ok(isMqttCheckError(err), `expected an MqttCheckError, got ${err}`);
        return err;
    }
    assert.fail("the check passed but should have failed");
}

describe("against an anonymous mosquitto", () => {
    let broker: Mosquitto;
    before(async () => (broker = await startMosquitto()));
    after(() => broker.stop());

    for (const protocolVersion of [4, 5] as const) {
        it(`proves a round trip over MQTT ${protocolVersion === 4 ? "3.1.1" : "5"}, with no "waiting" line when the first attempt passes`, async () => {
            const progress: string[] = [];
            const result = await checkMqtt({ url: `mqtt://127.0.0.1:${broker.port}`, protocolVersion, timeoutMs: 5000, onProgress: (m) => progress.push(m) });
            assert.equal(result.attempts, 1);
            assert.deepEqual(progress, []);
            assert.ok(result.roundTripMs > 0 && result.roundTripMs < 5000, `round trip ${result.roundTripMs} ms`);
        });
    }

    it("proves a round trip over WebSocket (ws://…/mqtt)", async () => {
        const bridge = await startWebSocketBridge(broker.port);
        try {
            const result = await checkMqtt({ url: `ws://127.0.0.1:${bridge.port}/mqtt`, timeoutMs: 5000 });
            assert.equal(result.attempts, 1);
        } finally {
            await bridge.stop();
        }
    });
});

describe("against mosquitto with a password file", () => {
    let broker: Mosquitto;
    before(async () => (broker = await startMosquitto({ users: { checker: "s3cret-pass" } })));
    after(() => broker.stop());

    it("passes with good credentials", async () => {
        const result = await checkMqtt({ url: `mqtt://127.0.0.1:${broker.port}`, username: "checker", password: "s3cret-pass", timeoutMs: 5000 });
        assert.equal(result.attempts, 1);
    });

    it("fails at once on a wrong password, MQTT 3.1.1", async () => {
        const started = Date.now();
        const err = await failure(checkMqtt({ url: `mqtt://127.0.0.1:${broker.port}`, username: "checker", password: "wrong", timeoutMs: 10_000 }));
        assert.equal(err.message, "broker refused the connection: not authorized (code 5)");
        assert.equal(err.attempts, 1, "bad credentials are not retried");
        assert.ok(Date.now() - started < 5000, "long before the deadline");
    });

    it("fails at once on a wrong password, MQTT 5", async () => {
        const err = await failure(
            checkMqtt({ url: `mqtt://127.0.0.1:${broker.port}`, username: "checker", password: "wrong", protocolVersion: 5, timeoutMs: 10_000 }),
        );
        assert.equal(err.message, "broker refused the connection: not authorized (code 135)");
        assert.equal(err.kind, "refused");
    });

    it("fails at once for an anonymous client", async () => {
        const err = await failure(checkMqtt({ url: `mqtt://127.0.0.1:${broker.port}`, timeoutMs: 10_000 }));
        assert.equal(err.kind, "refused");
        assert.equal(err.attempts, 1);
    });

    it("proves that an anonymous client is refused", async () => {
        await checkAnonymousRefused({ url: `mqtt://127.0.0.1:${broker.port}` }, 5000);
    });
});

describe("anonymous-client proof fails where it must", () => {
    it("when the broker lets an anonymous client in", async () => {
        const open = await startMosquitto();
        try {
            await assert.rejects(checkAnonymousRefused({ url: `mqtt://127.0.0.1:${open.port}` }, 5000), {
                message: `an anonymous client was let in at mqtt://127.0.0.1:${open.port}; the broker does not require credentials`,
            });
        } finally {
            await open.stop();
        }
    });

    it("when nothing listens, rather than passing for a refusal", async () => {
        const port = await freePort();
        await assert.rejects(checkAnonymousRefused({ url: `mqtt://127.0.0.1:${port}` }, 1000), {
            message: `an anonymous client could not reach 127.0.0.1:${port}: ECONNREFUSED`,
        });
    });

    it("when the listener never answers, by its deadline", async () => {
        const listener = await silentListener();
        try {
            await assert.rejects(checkAnonymousRefused({ url: `mqtt://127.0.0.1:${listener.port}` }, 600), {
                message: `an anonymous client got no answer from 127.0.0.1:${listener.port} within 0.6 s`,
            });
        } finally {
            await listener.close();
        }
    });
});

describe("against mosquitto over TLS", () => {
    let broker: Mosquitto;
    before(async () => (broker = await startMosquitto({ tls: true })));
    after(() => broker.stop());

    it("passes with the CA that signed the server certificate", async () => {
        const result = await checkMqtt({ url: `mqtts://127.0.0.1:${broker.tlsPort}`, ca: broker.pki!.ca, timeoutMs: 5000 });
        assert.equal(result.attempts, 1);
    });

    it("passes for the certificate's DNS name with servername", async () => {
        const result = await checkMqtt({ url: `mqtts://127.0.0.1:${broker.tlsPort}`, ca: broker.pki!.ca, servername: "localhost", timeoutMs: 5000 });
        assert.equal(result.attempts, 1);
    });

    it("fails at once with the wrong CA, naming the TLS error", async () => {
        const err = await failure(checkMqtt({ url: `mqtts://127.0.0.1:${broker.tlsPort}`, ca: broker.pki!.otherCa, timeoutMs: 10_000 }));
        assert.equal(err.kind, "tls");
        assert.match(err.message, new RegExp(`^TLS handshake with 127\\.0\\.0\\.1:${broker.tlsPort} failed: .*\\((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\\)$`));
        assert.equal(err.attempts, 1);
    });

    it("fails on a host name the certificate does not name", async () => {
        const err = await failure(checkMqtt({ url: `mqtts://127.0.0.1:${broker.tlsPort}`, ca: broker.pki!.ca, servername: "broker.example", timeoutMs: 10_000 }));
        assert.equal(err.kind, "tls");
        assert.match(err.message, /ERR_TLS_CERT_ALTNAME_INVALID/);
    });
});

describe("refusals after CONNACK", () => {
    it("reports a refused subscription with its code (aedes, which answers SUBACK 128 to a subscription its authorizer negates)", async () => {
        const broker = await startAedes({ authorizeSubscribe: (_client, _sub, done) => done(null, null) });
        try {
            const err = await failure(checkMqtt({ url: `mqtt://127.0.0.1:${broker.port}`, timeoutMs: 5000 }));
            assert.equal(err.kind, "subscribe");
            assert.match(err.message, /^subscribe to emqx-check\/emqx-check-[0-9a-f]{12} refused \(code 128\)$/);
            assert.equal(err.attempts, 1);
        } finally {
            await broker.stop();
        }
    });

    it("reports a SUBACK that never comes (aedes whose authorizer never answers)", async () => {
        const broker = await startAedes({ authorizeSubscribe: () => undefined });
        try {
            const err = await failure(checkMqtt({ url: `mqtt://127.0.0.1:${broker.port}`, timeoutMs: 1000 }));
            assert.match(err.message, /^connected, but subscribe to emqx-check\/emqx-check-[0-9a-f]{12} got no SUBACK within 1 s$/);
        } finally {
            await broker.stop();
        }
    });

    it("reports a message that never comes back (mosquitto whose ACL drops the publish)", async () => {
        const broker = await startMosquitto({ acl: "topic read emqx-check/#\n" });
        try {
            const err = await failure(checkMqtt({ url: `mqtt://127.0.0.1:${broker.port}`, timeoutMs: 1500 }));
            assert.equal(err.message, "connected and subscribed, but the message did not come back within 1.5 s");
        } finally {
            await broker.stop();
        }
    });
});

describe("against aedes in-process", () => {
    it("proves a round trip", async () => {
        const broker = await startAedes();
        try {
            const result = await checkMqtt({ url: `mqtt://127.0.0.1:${broker.port}`, timeoutMs: 5000 });
            assert.equal(result.attempts, 1);
        } finally {
            await broker.stop();
        }
    });
});

describe("waiting and giving up", () => {
    it("notices a broker that starts late, retrying until it is there", async () => {
        // Late enough for three progress lines a second apart, so two arrive however busy the machine.
        const broker = await startMosquitto({ startDelayMs: 2500 });
        try {
            const progress: string[] = [];
            const result = await checkMqtt({ url: `mqtt://127.0.0.1:${broker.port}`, timeoutMs: 15_000, onProgress: (m) => progress.push(m) });
            assert.ok(result.attempts > 3, `attempts ${result.attempts}`);
            assert.ok(result.elapsedMs >= 2400, `elapsed ${result.elapsedMs}`);
            assert.match(progress[0], new RegExp(`^waiting for mqtt://127\\.0\\.0\\.1:${broker.port}, attempt 2 \\(could not connect to .* last error ECONNREFUSED\\)$`));
            assert.ok(progress.length >= 2, "about a line a second while it waits");
        } finally {
            await broker.stop();
        }
    });

    it("fails by the deadline when nothing listens", async () => {
        const port = await freePort();
        const started = Date.now();
        const err = await failure(checkMqtt({ url: `mqtt://127.0.0.1:${port}`, timeoutMs: 1000 }));
        const elapsed = Date.now() - started;
        assert.equal(err.message, `could not connect to 127.0.0.1:${port} within 1 s, last error ECONNREFUSED`);
        assert.ok(elapsed >= 1000 && elapsed < 4000, `elapsed ${elapsed}`);
        assert.ok(err.attempts > 3, "it kept trying until the deadline");
    });

    it("fails by the deadline when the listener never speaks MQTT", async () => {
        const listener = await silentListener();
        try {
            const started = Date.now();
            const err = await failure(checkMqtt({ url: `mqtt://127.0.0.1:${listener.port}`, timeoutMs: 1200 }));
            const elapsed = Date.now() - started;
            assert.equal(err.message, `no CONNACK from 127.0.0.1:${listener.port} within 1.2 s`);
            assert.ok(elapsed >= 1200 && elapsed < 4200, `elapsed ${elapsed}`);
        } finally {
            await listener.close();
        }
    });
});
