/** An MQTT round trip written straight on MQTT.js, independent of the stack's own check. */
import { randomBytes } from "node:crypto";
import mqtt from "mqtt";

export interface Dial {
    url: string;
    /** The round trip's topic (default e2e/<random>), for brokers whose rules allow only some. */
    topic?: string;
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
        const topic = dial.topic ?? `e2e/${randomBytes(6).toString("hex")}`;
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

function connect(dial: Dial): Promise<mqtt.MqttClient> {
    return mqtt.connectAsync(dial.url, { username: dial.username, password: dial.password, reconnectPeriod: 0, connectTimeout: 10_000 }, false);
}

/** The SUBACK's code for a subscription to `topic` (0-2 granted, 128 refused). */
export async function subscription(dial: Dial, topic: string): Promise<number> {
    const client = await connect(dial);
    try {
        return await new Promise<number>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no SUBACK for ${topic}`)), 10_000);
            client.subscribe(topic, { qos: 1 }, (err, granted) => {
                clearTimeout(timer);
                const refused = (err as { packet?: { granted?: number[] } } | null)?.packet?.granted?.[0];
                if (refused !== undefined) resolve(refused);
                else if (err) reject(err);
                else resolve(granted![0].qos);
            });
        });
    } finally {
        await client.endAsync(true);
    }
}

/** Publishes `payload` on `topic` as a retained QoS 1 message. */
export async function publishRetained(dial: Dial, topic: string, payload: string): Promise<void> {
    const client = await connect(dial);
    try {
        await client.publishAsync(topic, payload, { qos: 1, retain: true });
    } finally {
        await client.endAsync(true);
    }
}

/** The retained message a new subscription to `topic` gets within `timeoutMs`, or undefined. */
export async function retainedMessage(dial: Dial, topic: string, timeoutMs = 5000): Promise<string | undefined> {
    const client = await connect(dial);
    try {
        const message = new Promise<string | undefined>((resolve) => {
            const timer = setTimeout(() => resolve(undefined), timeoutMs);
            client.on("message", (t, payload, packet) => {
                if (t === topic && packet.retain) {
                    clearTimeout(timer);
                    resolve(payload.toString());
                }
            });
        });
        await client.subscribeAsync(topic, { qos: 1 });
        return await message;
    } finally {
        await client.endAsync(true);
    }
}

/** Connects to every URL every 100 ms (bounded: 10 minutes), keeping the fewest that accepted at once. */
export function startProbe(urls: string[], account: { username?: string; password?: string } = {}) {
    let running = true;
    let minimum = urls.length;
    let samples = 0;
    const accepts = (target: string) =>
        mqtt.connectAsync(target, { ...account, reconnectPeriod: 0, connectTimeout: 500 }, false).then(
            (client) => client.endAsync(true).then(() => 1),
            () => 0,
        );
    const loop = (async () => {
        const deadline = Date.now() + 600_000;
        while (running && Date.now() < deadline) {
            const accepting = (await Promise.all(urls.map(accepts))).reduce((a: number, b: number) => a + b, 0);
            minimum = Math.min(minimum, accepting);
            samples++;
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
    })();
    return {
        async stop() {
            running = false;
            await loop;
            return { minimum, samples };
        },
    };
}
