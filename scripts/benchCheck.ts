/**
 * Benchmark of the post-deploy check (`npm run bench:check`; needs mosquitto on PATH):
 *  (a) round trip against a ready local mosquitto, median and p95 over 60 checks;
 *  (b) readiness lag: from the moment a listener starts accepting connections (a TCP relay to
 *      mosquitto, opened at a random delay after the check started) until the check passes,
 *      median and max over 15 runs;
 *  (c) what accounts and TLS add: the secured sequence the check runs (round trip as an account,
 *      an anonymous client refused, a round trip over mqtts verifying the CA), median and p95
 *      over 20 runs against mosquitto with a password file and a TLS listener;
 *  (d) readiness lag behind a port that takes connections and answers none (as Docker's does
 *      while EMQX boots), then answers: for the MQTT check, and for the dashboard's /status wait
 *      (a stand-in API), median and max over 10 runs each, the port silent for 1-3 s;
 *  (e) the check as a process (bin/emqx-check) behind such a port: how long after printing its
 *      verdict it exits (nothing of an earlier attempt may hold it), median and max over 10 runs.
 */
import * as net from "node:net";
import { checkAnonymousRefused, checkMqtt } from "../lib/check/mqtt";
import { emqxApi, waitUntilRunning } from "../lib/emqx/api";
import { startFakeEmqxApi } from "../tests/brokers/emqxApi";
import { startMosquitto } from "../tests/brokers/mosquitto";
import { freePort } from "../tests/brokers/ports";
import { openAfter, startSilentGate } from "../tests/brokers/silentGate";
import { exitAfterVerdict } from "../tests/harness/checkProcess";

const roundTripRuns = 60;
const lagRuns = 15;
const securedRuns = 20;
const silentRuns = 10;

function percentile(values: number[], p: number): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

/** Opens a relay to the broker on `port` after `delayMs`; resolves with the moment it listens. */
function relayLater(port: number, brokerPort: number, delayMs: number) {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
        const upstream = net.connect(brokerPort, "127.0.0.1");
        client.pipe(upstream).pipe(client);
        for (const s of [client, upstream]) {
            sockets.add(s);
            s.on("error", () => (client.destroy(), upstream.destroy()));
            s.on("close", () => sockets.delete(s));
        }
    });
    const listening = new Promise<number>((resolve) =>
        setTimeout(() => server.listen(port, "127.0.0.1", () => resolve(performance.now())), delayMs),
    );
    const close = () => {
        sockets.forEach((s) => s.destroy());
        return new Promise((resolve) => server.close(resolve));
    };
    return { listening, close };
}

async function main(): Promise<void> {
    const broker = await startMosquitto();
    try {
        const url = `mqtt://127.0.0.1:${broker.port}`;
        await checkMqtt({ url, timeoutMs: 5000 }); // warm-up
        const roundTrips: number[] = [];
        for (let i = 0; i < roundTripRuns; i++) {
            roundTrips.push((await checkMqtt({ url, timeoutMs: 5000 })).roundTripMs);
        }
        console.log(`round trip over ${roundTripRuns} checks against a ready mosquitto: median ${ms(percentile(roundTrips, 50))}, p95 ${ms(percentile(roundTrips, 95))}`);

        const lags: number[] = [];
        for (let i = 0; i < lagRuns; i++) {
            const port = await freePort();
            const relay = relayLater(port, broker.port, 200 + Math.random() * 800);
            try {
                await checkMqtt({ url: `mqtt://127.0.0.1:${port}`, timeoutMs: 10_000 });
                lags.push(performance.now() - (await relay.listening));
            } finally {
                await relay.close();
            }
        }
        console.log(`readiness lag over ${lagRuns} late starts (200-1000 ms): median ${ms(percentile(lags, 50))}, max ${ms(Math.max(...lags))}`);
        await benchSilentPort("MQTT check", broker.port, (target) => checkMqtt({ url: `mqtt://${target}`, timeoutMs: 30_000 }));
    } finally {
        await broker.stop();
    }
    const api = await startFakeEmqxApi({ username: "admin", password: "long-enough-pw" });
    try {
        await benchSilentPort("dashboard /status wait", Number(new URL(api.url).port), (target) => waitUntilRunning(emqxApi(`http://${target}`, Date.now() + 30_000), 30_000));
    } finally {
        await api.stop();
    }
    await benchSecured();
    await benchExitLag();
}

/** (d): how long after a silent port starts answering the wait passes. */
async function benchSilentPort(what: string, targetPort: number, wait: (target: string) => Promise<unknown>): Promise<void> {
    const lags: number[] = [];
    for (let i = 0; i < silentRuns; i++) {
        const gate = await startSilentGate(targetPort);
        try {
            const opened = openAfter(gate, 1000 + Math.random() * 2000);
            await wait(`127.0.0.1:${gate.port}`);
            lags.push(Date.now() - (await opened));
        } finally {
            await gate.stop();
        }
    }
    console.log(`${what} behind a port silent for 1-3 s, over ${silentRuns} runs: passes median ${ms(percentile(lags, 50))}, max ${ms(Math.max(...lags))} after it answers`);
}

async function benchSecured(): Promise<void> {
    const account = { username: "sensor", password: "sensor-password-1" };
    const broker = await startMosquitto({ users: { [account.username]: account.password }, tls: true });
    try {
        const url = `mqtt://127.0.0.1:${broker.port}`;
        const tls = { url: `mqtts://127.0.0.1:${broker.tlsPort}`, ca: broker.pki!.ca, servername: "localhost" };
        const times: number[] = [];
        for (let i = 0; i < securedRuns; i++) {
            const started = performance.now();
            await checkMqtt({ url, ...account, timeoutMs: 5000 });
            await checkAnonymousRefused({ url }, 5000);
            await checkMqtt({ ...tls, ...account, timeoutMs: 5000 });
            times.push(performance.now() - started);
        }
        console.log(`account + anonymous refusal + mqtts round trip over ${securedRuns} runs: median ${ms(percentile(times, 50))}, p95 ${ms(percentile(times, 95))}`);
    } finally {
        await broker.stop();
    }
}

/** (e): how long bin/emqx-check lives after printing its verdict, behind a port silent for 1-3 s. */
async function benchExitLag(): Promise<void> {
    const broker = await startMosquitto();
    const lags: number[] = [];
    try {
        for (let i = 0; i < silentRuns; i++) {
            const gate = await startSilentGate(broker.port);
            try {
                void openAfter(gate, 1000 + Math.random() * 2000);
                const run = await exitAfterVerdict(["--url", `mqtt://127.0.0.1:${gate.port}`, "--timeout", "10"]);
                if (run.code !== 0) throw new Error(`bin/emqx-check exited ${run.code}: ${run.stdout}`);
                lags.push(run.exitLagMs);
            } finally {
                await gate.stop();
            }
        }
    } finally {
        await broker.stop();
    }
    console.log(`bin/emqx-check behind a port silent for 1-3 s, over ${silentRuns} runs: exits median ${ms(percentile(lags, 50))}, max ${ms(Math.max(...lags))} after printing its verdict`);
}

void main();
