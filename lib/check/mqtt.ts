/**
 * The post-deploy MQTT check: connect, subscribe QoS 1 to a unique topic, publish a nonce QoS 1
 * and wait for that exact message to come back. Retries what can heal (a booting broker) with
 * short, capped, jittered backoff until one overall deadline; stops at once on what cannot.
 * Plain TypeScript with no Pulumi inside: the dynamic provider, the CLI and the benchmark share it.
 */
import { randomBytes } from "node:crypto";
import * as net from "node:net";
import mqtt from "mqtt";

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
}

/** A passed check. */
export interface MqttCheckResult {
    /** Publish to delivery of the nonce, in ms. */
    roundTripMs: number;
    /** Connection attempts it took. */
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

/** Ends a one-shot client at once; a late error from its socket must not surface as unhandled. */
function closeQuietly(client: mqtt.MqttClient): void {
    client.removeAllListeners();
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

const firstDelayMs = 10;
const maxDelayMs = 100;
const maxAttemptMs = 10_000;

interface AttemptFailure {
    kind: FailureKind;
    retryable: boolean;
    /** What the message adds: the low-level error (ECONNREFUSED…), the refusal's code, the TLS error. */
    detail: string;
    /** The attempt ran out of its time budget rather than hearing an answer. */
    timedOut?: boolean;
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
        return { kind: "refused", retryable: false, detail: `${refusedReasons[err.code]} (code ${err.code})` };
    }
    if (typeof err.code === "number") {
        // Server unavailable / busy while booting: worth another try.
        return { kind: "connect", retryable: true, detail: `${err.message} (code ${err.code})` };
    }
    if (typeof err.code === "string" && tlsCodes.test(err.code)) {
        return { kind: "tls", retryable: false, detail: `${err.message} (${err.code})` };
    }
    return { kind: "connect", retryable: true, detail: err.code ?? err.message };
}

/** MQTT.js options of a one-shot check client that gives up after `budgetMs`. */
function clientOptions(options: MqttCheckOptions, budgetMs: number, clientId: string): mqtt.IClientOptions {
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
        connectTimeout: budgetMs + 1000,
        clean: true,
        keepalive: 30,
        // MQTT.js otherwise pre-builds 65,536 two-byte buffers on the first write: 40 ms of a one-shot check.
        writeCache: false,
    };
}

/** The SUBACK's verdict: undefined when granted, else what refused it. MQTT.js reports a refused grant (0x80 and up) as an error carrying the packet. */
function subscribeRefusal(err: Error | null, granted: { qos: number }[] | undefined): string | undefined {
    const refused = (err as { packet?: { granted?: number[] } } | null)?.packet?.granted?.[0];
    const code = refused ?? granted?.[0]?.qos;
    if (!err && code !== undefined && code < 128) return undefined;
    return code !== undefined ? `code ${code}` : (err?.message ?? "no grant");
}

/** One connect, subscribe, publish, receive cycle within `budgetMs`; resolves to the round trip. */
function attempt(options: MqttCheckOptions, budgetMs: number, topic: string, clientId: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const nonce = randomBytes(12).toString("hex");
        let stage: "connecting" | "subscribing" | "waiting" = "connecting";
        let transportOpen = false;
        let publishedAt = 0;
        let settled = false;
        // Declared before the closures that use it: Pulumi's function serializer cannot follow
        // a variable that a closure reaches before its declaration.
        let timer: NodeJS.Timeout | undefined = undefined;
        const client = openClient(options.url, clientOptions(options, budgetMs, clientId));
        const finish = (outcome: { roundTripMs: number } | AttemptFailure) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            closeQuietly(client);
            if ("roundTripMs" in outcome) resolve(outcome.roundTripMs);
            else reject(outcome);
        };
        timer = setTimeout(() => {
            if (stage === "waiting") finish({ kind: "no-message", retryable: true, detail: "", timedOut: true });
            else if (stage === "subscribing") finish({ kind: "no-suback", retryable: true, detail: "", timedOut: true });
            else if (transportOpen) finish({ kind: "no-connack", retryable: true, detail: "", timedOut: true });
            else finish({ kind: "connect", retryable: true, detail: "timed out", timedOut: true });
        }, budgetMs);

        const stream = client.stream as unknown;
        if (stream instanceof net.Socket) {
            stream.once("connect", () => (transportOpen = true));
        } else {
            transportOpen = true; // WebSocket: the TCP connection is not observable here.
        }
        client.on("error", (err) => finish(classifyError(err as Error & { code?: string | number })));
        client.on("close", () =>
            finish(
                stage === "connecting"
                    ? { kind: "connect", retryable: true, detail: "connection closed before CONNACK" }
                    : { kind: "connect", retryable: true, detail: `connection closed while ${stage}` },
            ),
        );
        client.on("message", (receivedTopic, payload) => {
            if (receivedTopic === topic && payload.toString() === nonce) {
                finish({ roundTripMs: Number((performance.now() - publishedAt).toFixed(2)) });
            }
        });
        client.on("connect", () => {
            stage = "subscribing";
            client.subscribe(topic, { qos: 1 }, (err, granted) => {
                const refusal = subscribeRefusal(err, granted);
                if (refusal) {
                    finish({ kind: "subscribe", retryable: false, detail: refusal });
                    return;
                }
                stage = "waiting";
                publishedAt = performance.now();
                client.publish(topic, nonce, { qos: 1 });
            });
        });
    });
}

/** Runs the check until it passes or the deadline passes; throws an MqttCheckError with one clear line. */
export async function checkMqtt(options: MqttCheckOptions): Promise<MqttCheckResult> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const started = performance.now();
    const deadline = started + timeoutMs;
    const clientId = `emqx-check-${randomBytes(6).toString("hex")}`;
    const topic = `emqx-check/${clientId}`;
    let delay = firstDelayMs;
    let lastReport = -Infinity;
    let last: AttemptFailure = { kind: "connect", retryable: true, detail: "no attempt made" };
    for (let attempts = 1; ; attempts++) {
        const remaining = deadline - performance.now();
        if (remaining <= 0) {
            throw checkFailure(describe(last, options, timeoutMs, topic), last.kind, attempts - 1);
        }
        // Only a broker that is not ready yet is worth a line: a first attempt that passes prints nothing.
        if (options.onProgress && attempts > 1 && performance.now() - lastReport >= 1000) {
            lastReport = performance.now();
            options.onProgress(`waiting for ${options.url}, attempt ${attempts} (${describe(last, options, performance.now() - started, topic)})`);
        }
        const budget = Math.min(remaining, maxAttemptMs);
        try {
            const roundTripMs = await attempt(options, budget, topic, clientId);
            return { roundTripMs, attempts, elapsedMs: Math.round(performance.now() - started) };
        } catch (failure) {
            const current = failure as AttemptFailure;
            if (!current.retryable) {
                throw checkFailure(describe(current, options, timeoutMs, topic), current.kind, attempts);
            }
            // A retry that the overall deadline cut short says less than the answer before it.
            const cutShort = current.timedOut && budget === remaining && attempts > 1;
            if (!cutShort) last = current;
        }
        // A random pause between half and all of the current delay keeps many checks from marching in step.
        const pause = Math.min(delay * (0.5 + Math.random() / 2), Math.max(0, deadline - performance.now()));
        await new Promise((resolve) => setTimeout(resolve, pause));
        delay = Math.min(delay * 2, maxDelayMs);
    }
}

/**
 * Proves the broker turns away a client without credentials: one connection attempt must end in
 * a refused CONNACK. Throws one line when the client is let in or no answer comes.
 */
export function checkAnonymousRefused(options: Pick<MqttCheckOptions, "url" | "ca" | "servername">, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined = undefined;
        const client = openClient(options.url, {
            clientId: `emqx-check-anonymous-${randomBytes(6).toString("hex")}`,
            ca: options.ca,
            servername: options.servername,
            reconnectPeriod: 0,
            connectTimeout: timeoutMs + 1000,
            writeCache: false,
        });
        const finish = (problem?: string) => {
            clearTimeout(timer);
            closeQuietly(client);
            if (problem) reject(new Error(problem));
            else resolve();
        };
        timer = setTimeout(() => finish(`an anonymous client got no answer from ${hostPort(options.url)} within ${seconds(timeoutMs)}`), timeoutMs);
        client.on("connect", () => finish(`an anonymous client was let in at ${options.url}; the broker does not require credentials`));
        client.on("error", (err) => {
            const failure = classifyError(err as Error & { code?: string | number });
            finish(failure.kind === "refused" ? undefined : `an anonymous client could not reach ${hostPort(options.url)}: ${failure.detail}`);
        });
        client.on("close", () => finish(`${hostPort(options.url)} closed an anonymous client's connection without a CONNACK`));
    });
}

/**
 * Resolves once the MQTT listener at `url` answers a CONNECT with a CONNACK, accepted or refused
 * (a node whose accounts are not stored yet still proves it is serving); retries what a booting
 * broker heals every 100 ms until `timeoutMs`, then throws one line with the last error.
 */
export async function waitUntilListening(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "no attempt made";
    for (let attempts = 0; attempts < 100_000 && Date.now() < deadline; attempts++) {
        const budget = Math.max(100, Math.min(5000, deadline - Date.now()));
        const answer = await new Promise<string | undefined>((resolve) => {
            let timer: NodeJS.Timeout | undefined = undefined;
            const client = openClient(url, { clientId: `emqx-ready-${randomBytes(6).toString("hex")}`, reconnectPeriod: 0, connectTimeout: budget, writeCache: false });
            const done = (problem: string | undefined) => {
                clearTimeout(timer);
                closeQuietly(client);
                resolve(problem);
            };
            timer = setTimeout(() => done("no CONNACK"), budget);
            client.on("connect", () => done(undefined));
            client.on("error", (err) => done(typeof (err as { code?: unknown }).code === "number" ? undefined : classifyError(err as Error & { code?: string }).detail));
            client.on("close", () => done("connection closed before CONNACK"));
        });
        if (answer === undefined) return;
        last = answer;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${hostPort(url)} gave no CONNACK within ${seconds(timeoutMs)}, last error ${last}`);
}
