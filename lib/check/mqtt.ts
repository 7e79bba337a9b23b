/**
 * The post-deploy MQTT check: connect, subscribe QoS 1 to a unique topic, publish a nonce QoS 1
 * and wait for that exact message to come back. Retries what can heal (a booting broker) in short,
 * overlapping attempts until one overall deadline (retryWithin); stops at once on what cannot.
 * Plain TypeScript with no Pulumi inside: the dynamic provider, the CLI and the benchmark share it.
 */
import { randomBytes } from "node:crypto";
import * as net from "node:net";
import mqtt from "mqtt";
import { defaultAttemptMs, final, retryWithin } from "../retryWithin";

/** What to check and how long to wait. */
export interface MqttCheckOptions {
    /** mqtt://, mqtts://, ws://…/mqtt or wss://…/mqtt. */
    url: string;
    /** MQTT user name, when the broker requires one. */
    username?: string;
    /** MQTT password. */
    password?: string;
    /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5. */
    protocolVersion?: 4 | 5;
    /** Overall deadline in ms, long enough for a cold EMQX boot by default (120 s). */
    timeoutMs?: number;
    /** PEM CA certificate(s) to trust for mqtts:// and wss://. */
    ca?: string;
    /** PEM client certificate, for brokers that ask for one. */
    cert?: string;
    /** PEM client key. */
    key?: string;
    /** TLS server name to verify, when it differs from the URL's host. */
    servername?: string;
    /** Skip TLS certificate verification (never the default). */
    insecure?: boolean;
    /** Called with a line of progress while the check waits for the broker. */
    onProgress?: (message: string) => void;
    /** The round trip's topic, when the broker's authorization allows only some (default emqx-check/<client id>). */
    topic?: string;
}

/** A passed check. */
export interface MqttCheckResult {
    /** Publish to delivery of the nonce, in ms. */
    roundTripMs: number;
    /** Connection attempts it took: the number of the one that passed. */
    attempts: number;
    /** From the first attempt to the delivered message, in ms. */
    elapsedMs: number;
}

/** Why a check failed; `message` is one line a person can act on. */
export type FailureKind = "connect" | "no-connack" | "refused" | "subscribe" | "no-suback" | "no-message" | "tls";

/** A failed check. Made by `checkFailure`, not a subclass of Error: Pulumi's function serializer
 * rewrites classes so that `super(message)` would lose the message inside the engine. */
export interface MqttCheckError extends Error {
    name: "MqttCheckError";
    kind: FailureKind;
    /** Connection attempts made. */
    attempts: number;
}

/**
 * Opens an MQTT.js client; mqtt:// goes straight to a TCP socket, because MQTT.js's own connect()
 * also loads its SOCKS-proxy and WebSocket code on every call: 20 ms of a one-shot check.
 */
function openClient(url: string, options: mqtt.IClientOptions): mqtt.MqttClient {
    const target = new URL(url);
    if (target.protocol !== "mqtt:") return mqtt.connect(url, options);
    const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
    const port = Number(target.port || 1883);
    return new mqtt.MqttClient(() => net.connect(port, host), { ...options, protocol: "mqtt", host, port });
}

/**
 * Ends a one-shot client at once; a late error from its socket must not surface as unhandled.
 * MQTT.js's own listeners must stay: its "close" listener clears the CONNACK timer, which would
 * otherwise keep the process alive for the whole connectTimeout after the check is over.
 */
export function closeQuietly(client: mqtt.MqttClient): void {
    client.on("error", () => undefined);
    client.end(true);
}

function checkFailure(message: string, kind: FailureKind, attempts: number): MqttCheckError {
    return Object.assign(new Error(message), { name: "MqttCheckError" as const, kind, attempts });
}

export function isMqttCheckError(err: unknown): err is MqttCheckError {
    return err instanceof Error && err.name === "MqttCheckError";
}

const refusedReasons: Record<number, string> = {
    4: "bad username or password",
    5: "not authorized",
    134: "bad username or password",
    135: "not authorized",
};
const tlsCodes = /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_|HOSTNAME_MISMATCH)/;

interface AttemptFailure {
    kind: FailureKind;
    /** Set when another attempt cannot mend it (a refused login, a bad certificate): the check ends at once. */
    final?: boolean;
    /** What the message adds: the low-level error (ECONNREFUSED…), the refusal's code, the TLS error. */
    detail: string;
}

function seconds(ms: number): string {
    return `${Number((ms / 1000).toFixed(1))} s`;
}

function hostPort(url: string): string {
    const u = new URL(url);
    const defaults: Record<string, string> = { "mqtt:": "1883", "mqtts:": "8883", "ws:": "80", "wss:": "443" };
    return `${u.hostname}:${u.port || defaults[u.protocol] || "?"}`;
}

function describe(failure: AttemptFailure, options: MqttCheckOptions, timeoutMs: number, topic: string): string {
    const where = hostPort(options.url);
    switch (failure.kind) {
        case "connect":
            return `could not connect to ${where} within ${seconds(timeoutMs)}, last error ${failure.detail}`;
        case "no-connack":
            return `no CONNACK from ${where} within ${seconds(timeoutMs)}`;
        case "refused":
            return `broker refused the connection: ${failure.detail}`;
        case "subscribe":
            return `subscribe to ${topic} refused (${failure.detail})`;
        case "no-suback":
            return `connected, but subscribe to ${topic} got no SUBACK within ${seconds(timeoutMs)}`;
        case "no-message":
            return `connected and subscribed, but the message did not come back within ${seconds(timeoutMs)}`;
        case "tls":
            return `TLS handshake with ${where} failed: ${failure.detail}`;
    }
}

function classifyError(err: Error & { code?: string | number }): AttemptFailure {
    if (typeof err.code === "number" && refusedReasons[err.code]) {
        return { kind: "refused", final: true, detail: `${refusedReasons[err.code]} (code ${err.code})` };
    }
    if (typeof err.code === "number") {
        // Server unavailable / busy while booting: worth another try.
        return { kind: "connect", detail: `${err.message} (code ${err.code})` };
    }
    if (typeof err.code === "string" && tlsCodes.test(err.code)) {
        return { kind: "tls", final: true, detail: `${err.message} (${err.code})` };
    }
    return { kind: "connect", detail: err.code ?? err.message };
}

/** MQTT.js options of a one-shot client; its own connect timer never fires first, the attempt's signal ends it. */
function clientOptions(options: Pick<MqttCheckOptions, "username" | "password" | "ca" | "cert" | "key" | "servername" | "insecure" | "protocolVersion">, clientId: string): mqtt.IClientOptions {
    return {
        clientId,
        protocolVersion: options.protocolVersion ?? 4,
        username: options.username,
        password: options.password,
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        servername: options.servername,
        rejectUnauthorized: !options.insecure,
        reconnectPeriod: 0,
        connectTimeout: defaultAttemptMs + 1000,
        clean: true,
        keepalive: 30,
        // MQTT.js otherwise pre-builds 65,536 two-byte buffers on the first write: 40 ms of a one-shot check.
        writeCache: false,
    };
}

/** The SUBACK's verdict: undefined when granted, else what refused it. MQTT.js reports a refused grant (0x80 and up) as an error carrying the packet. */
export function subscribeRefusal(err: Error | null, granted: { qos: number }[] | undefined): string | undefined {
    const refused = (err as { packet?: { granted?: number[] } } | null)?.packet?.granted?.[0];
    const code = refused ?? granted?.[0]?.qos;
    if (!err && code !== undefined && code < 128) return undefined;
    return code !== undefined ? `code ${code}` : (err?.message ?? "no grant");
}

/** How an attempt ends: with a value (and the client kept open for the caller when it asks), or a failure. */
type Settled<T> = { value: T; keepClient?: true } | AttemptFailure;

/**
 * Opens a client for one attempt and calls `settle` once with what became of it: `onConnect`'s
 * verdict, an error, a closed connection, or the signal's abort (`stage()` says how far it got).
 * The client is ended at once when it settles, unless the caller keeps it, so nothing of the attempt outlives it.
 */
function oneAttempt<T>(
    url: string,
    options: mqtt.IClientOptions,
    signal: AbortSignal,
    stage: (transportOpen: boolean) => AttemptFailure,
    onConnect: (client: mqtt.MqttClient, finish: (outcome: Settled<T>) => void) => void,
): Promise<T> {
    return new Promise((resolve, reject) => {
        let transportOpen = false;
        let settled = false;
        const client = openClient(url, options);
        const finish = (outcome: Settled<T>) => {
            if (settled) return;
            settled = true;
            signal.removeEventListener("abort", aborted);
            if (!("keepClient" in outcome)) closeQuietly(client);
            if ("value" in outcome) resolve(outcome.value);
            else reject(outcome);
        };
        const aborted = () => finish(stage(transportOpen));
        if (signal.aborted) return aborted();
        signal.addEventListener("abort", aborted, { once: true });
        const stream = client.stream as unknown;
        if (stream instanceof net.Socket) {
            stream.once("connect", () => (transportOpen = true));
        } else {
            transportOpen = true; // WebSocket: the TCP connection is not observable here.
        }
        client.on("error", (err) => finish(classifyError(err as Error & { code?: string | number })));
        client.on("close", () => finish({ kind: "connect", detail: client.connected ? "connection closed" : "connection closed before CONNACK" }));
        client.on("connect", () => onConnect(client, finish));
    });
}

/** One connect, subscribe, publish, receive cycle; resolves to the round trip in ms. */
function roundTripAttempt(options: MqttCheckOptions, signal: AbortSignal, topic: string, clientId: string): Promise<number> {
    let stage: "connecting" | "subscribing" | "waiting" = "connecting";
    const timedOut = (transportOpen: boolean): AttemptFailure => {
        if (stage === "waiting") return { kind: "no-message", detail: "" };
        if (stage === "subscribing") return { kind: "no-suback", detail: "" };
        return transportOpen ? { kind: "no-connack", detail: "" } : { kind: "connect", detail: "timed out" };
    };
    return oneAttempt<number>(options.url, clientOptions(options, clientId), signal, timedOut, (client, finish) => {
        const nonce = randomBytes(12).toString("hex");
        let publishedAt = 0;
        stage = "subscribing";
        client.on("message", (receivedTopic, payload) => {
            if (receivedTopic === topic && payload.toString() === nonce) finish({ value: Number((performance.now() - publishedAt).toFixed(2)) });
        });
        client.subscribe(topic, { qos: 1 }, (err, granted) => {
            const refusal = subscribeRefusal(err, granted);
            if (refusal) return finish({ kind: "subscribe", final: true, detail: refusal });
            stage = "waiting";
            publishedAt = performance.now();
            client.publish(topic, nonce, { qos: 1 });
        });
    });
}

function isAttemptFailure(value: unknown): value is AttemptFailure {
    return typeof value === "object" && value !== null && "kind" in value && "detail" in value;
}

/** Runs the check until it passes or the deadline passes; throws an MqttCheckError with one clear line. */
export async function checkMqtt(options: MqttCheckOptions): Promise<MqttCheckResult> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const started = performance.now();
    const clientId = `emqx-check-${randomBytes(6).toString("hex")}`;
    const topic = options.topic ?? `emqx-check/${clientId}`;
    let failed = 0;
    let lastReport = -Infinity;
    try {
        const { roundTripMs, attempt } = await retryWithin(
            // Attempts may overlap (one hangs while the next starts), so each has its own client id.
            (signal, n) => roundTripAttempt(options, signal, topic, `${clientId}-${n}`).then((ms) => ({ roundTripMs: ms, attempt: n })),
            {
                deadline: Date.now() + timeoutMs,
                // Only a broker that is not ready yet is worth a line, and then at most one a second.
                onRetry: (failure, n) => {
                    failed++;
                    if (!options.onProgress || !isAttemptFailure(failure) || performance.now() - lastReport < 1000) return;
                    lastReport = performance.now();
                    options.onProgress(`waiting for ${options.url}, attempt ${n + 1} (${describe(failure, options, performance.now() - started, topic)})`);
                },
            },
        );
        return { roundTripMs, attempts: attempt, elapsedMs: Math.round(performance.now() - started) };
    } catch (failure) {
        if (!isAttemptFailure(failure)) throw failure;
        // Attempts that ended, this one included: one still running when a refusal ends the check was no retry.
        throw checkFailure(describe(failure, options, timeoutMs, topic), failure.kind, failure.final ? failed + 1 : Math.max(failed, 1));
    }
}

/** What one CONNECT got: a CONNACK that accepted it, or the refusing CONNACK's code. */
type Connack = { accepted: true } | { accepted: false; code: number };

/** How a CONNECT that got no CONNACK in time failed: stuck after the TCP connection, or before it. */
function connectTimedOut(transportOpen: boolean): AttemptFailure {
    return transportOpen ? { kind: "no-connack", detail: "no CONNACK" } : { kind: "connect", detail: "timed out" };
}

/** One CONNECT without a round trip: resolves with the CONNACK's verdict, rejects with what stood in the way. */
function connackAttempt(url: string, options: mqtt.IClientOptions, signal: AbortSignal): Promise<Connack> {
    return oneAttempt<Connack>(url, options, signal, connectTimedOut, (_client, finish) => finish({ value: { accepted: true } })).catch((failure: AttemptFailure) => {
        const code = Number(/code (\d+)\)$/.exec(failure.detail)?.[1]);
        if (failure.kind === "refused") return { accepted: false, code };
        throw failure;
    });
}

/** Options of a client that brings no credentials. */
function anonymous(options: Pick<MqttCheckOptions, "ca" | "servername">, purpose: string): mqtt.IClientOptions {
    return clientOptions({ ca: options.ca, servername: options.servername }, `emqx-${purpose}-${randomBytes(6).toString("hex")}`);
}

/**
 * Proves the broker turns away a client without credentials: a connection must end in a refused
 * CONNACK. Throws one line when the client is let in, or when no answer comes by the deadline.
 */
export async function checkAnonymousRefused(options: Pick<MqttCheckOptions, "url" | "ca" | "servername">, timeoutMs: number): Promise<void> {
    const where = hostPort(options.url);
    await retryWithin(
        async (signal) => {
            const connack = await connackAttempt(options.url, anonymous(options, "check-anonymous"), signal);
            if (connack.accepted) throw final(new Error(`an anonymous client was let in at ${options.url}; the broker does not require credentials`));
        },
        { deadline: Date.now() + timeoutMs },
    ).catch((failure: Error | AttemptFailure) => {
        if (!isAttemptFailure(failure)) throw failure;
        if (failure.kind === "no-connack" || failure.detail === "timed out") throw new Error(`an anonymous client got no answer from ${where} within ${seconds(timeoutMs)}`);
        throw new Error(`an anonymous client could not reach ${where}: ${failure.detail}`);
    });
}

/**
 * Resolves once the MQTT listener at `url` answers a CONNECT with a CONNACK, accepted or refused
 * (a node whose accounts are not stored yet still proves it is serving); throws one line with the
 * last error at the deadline.
 */
export async function waitUntilListening(url: string, timeoutMs: number): Promise<void> {
    await retryWithin((signal) => connackAttempt(url, anonymous({}, "ready"), signal), { deadline: Date.now() + timeoutMs }).catch(
        (failure: AttemptFailure) => {
            throw new Error(`${hostPort(url)} gave no CONNACK within ${seconds(timeoutMs)}, last error ${failure.detail}`);
        },
    );
}

/** A connected client of the broker at `url`, for a caller that ends it; retries what a booting broker heals until `deadline`. */
export function connectClient(url: string, options: Pick<MqttCheckOptions, "username" | "password" | "protocolVersion">, deadline: number): Promise<mqtt.MqttClient> {
    const clientId = `emqx-check-${randomBytes(6).toString("hex")}`;
    return retryWithin(
        (signal, n) => oneAttempt<mqtt.MqttClient>(url, clientOptions(options, `${clientId}-${n}`), signal, connectTimedOut, (client, finish) => finish({ value: client, keepClient: true })),
        // A client that connects after another attempt won is ended at once.
        { deadline, release: closeQuietly },
    ).catch((failure: AttemptFailure) => {
        throw new Error(`could not connect to ${hostPort(url)}: ${failure.detail}`);
    });
}
