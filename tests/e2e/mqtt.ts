/** An MQTT round trip written straight on MQTT.js, independent of the stack's own check. */
import { randomBytes } from "node:crypto";
import mqtt from "mqtt";

export interface Dial {
    url: string;
    username?: string;
    password?: string;
    ca?: string;
    servername?: string;
}

/** Subscribes, publishes a nonce QoS 1 and resolves when it comes back; rejects with the client's error. */
export async function roundTrip(dial: Dial, timeoutMs = 10_000): Promise<void> {
    const client = await mqtt.connectAsync(dial.url, {
        username: dial.username,
        password: dial.password,
        ca: dial.ca,
        servername: dial.servername,
        reconnectPeriod: 0,
        connectTimeout: timeoutMs,
    }, false);
    try {
        const topic = `e2e/${randomBytes(6).toString("hex")}`;
        const nonce = randomBytes(12).toString("hex");
        const received = new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no message back on ${topic} within ${timeoutMs} ms`)), timeoutMs);
            client.on("message", (t, payload) => {
                if (t === topic && payload.toString() === nonce) {
                    clearTimeout(timer);
                    resolve();
                }
            });
        });
        await client.subscribeAsync(topic, { qos: 1 });
        await client.publishAsync(topic, nonce, { qos: 1 });
        await received;
    } finally {
        await client.endAsync(true);
    }
}

/** The CONNACK refusal code an MQTT client gets, or undefined when it is let in. */
export async function refusal(dial: Dial): Promise<number | undefined> {
    try {
        await roundTrip(dial);
        return undefined;
    } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code === "number") return code;
        throw err;
    }
}
