/**
 * retryWithin: short attempts inside one deadline, overlapping while the newest is silent, nothing
 * left running at the end. Each case asserts what happened (which attempts ran, how they ended),
 * never how fast: the timing claims live in `npm run bench:check`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { final, retryWithin } from "../lib/retryWithin";

/** An attempt that never settles until its signal aborts, then rejects with `message`; it records the signal. */
function hang(signals: AbortSignal[], message = "no answer") {
    return (signal: AbortSignal) =>
        new Promise<never>((_, reject) => {
            signals.push(signal);
            signal.addEventListener("abort", () => reject(new Error(message)));
        });
}

const longDeadline = () => Date.now() + 60_000;

describe("retryWithin", () => {
    it("starts another attempt while the newest hangs, and aborts every other attempt once one succeeds", async () => {
        const signals: AbortSignal[] = [];
        let stillRunningWhenFourthStarted = -1;
        const value = await retryWithin(
            (signal, n) => {
                if (n < 4) return hang(signals)(signal);
                stillRunningWhenFourthStarted = signals.filter((s) => !s.aborted).length;
                return Promise.resolve(`attempt ${n}`);
            },
            { deadline: longDeadline(), hedgeMs: 20, attemptMs: 50_000 },
        );
        assert.equal(value, "attempt 4");
        assert.equal(stillRunningWhenFourthStarted, 3, "the fourth attempt started beside three silent ones, not after them");
        assert.deepEqual(signals.map((s) => [s.aborted, s.reason]), [[true, "done"], [true, "done"], [true, "done"]]);
    });

    it("keeps no more attempts running than its timings allow, aborts each after attemptMs, and the rest at the deadline", async () => {
        const signals: AbortSignal[] = [];
        let most = 0;
        const attempt = (signal: AbortSignal) => {
            const p = hang(signals)(signal);
            most = Math.max(most, signals.filter((s) => !s.aborted).length);
            return p;
        };
        await assert.rejects(retryWithin(attempt, { deadline: Date.now() + 1000, hedgeMs: 50, attemptMs: 200 }), /no answer/);
        assert.ok(most <= 200 / 50 + 1, `${most} attempts at once`);
        assert.ok(signals.every((s) => s.aborted), "nothing is left running");
        assert.ok(signals.some((s) => s.reason === "attempt-timeout"), "an attempt was aborted on its own cap");
        assert.deepEqual([...new Set(signals.map((s) => s.reason))].sort(), ["attempt-timeout", "deadline"]);
    });

    it("pauses between attempts that fail at once", async () => {
        const starts: number[] = [];
        const deadline = Date.now() + 500;
        await assert.rejects(
            retryWithin(() => (starts.push(performance.now()), Promise.reject(new Error("ECONNREFUSED"))), { deadline, pauseMs: 100 }),
            { message: "ECONNREFUSED" },
        );
        const gaps = starts.slice(1).map((at, i) => at - starts[i]);
        assert.ok(starts.length >= 1 && starts.length <= 6, `${starts.length} attempts in 0.5 s`);
        assert.ok(gaps.every((gap) => gap >= 99), `gaps ${gaps.map((g) => g.toFixed(0)).join(", ")} ms`);
    });

    it("ends at once on a final failure, with no further attempt", async () => {
        let attempts = 0;
        await assert.rejects(retryWithin(() => (attempts++, Promise.reject(final(new Error("bad password")))), { deadline: longDeadline(), pauseMs: 0 }), { message: "bad password" });
        assert.equal(attempts, 1);
    });

    it("reports the last real answer rather than an attempt the deadline cut short", async () => {
        const attempt = (signal: AbortSignal, n: number) => (n === 1 ? Promise.reject(new Error("HTTP 503 starting")) : hang([], "no answer")(signal));
        await assert.rejects(retryWithin(attempt, { deadline: Date.now() + 300, pauseMs: 10, attemptMs: 5000 }), { message: "HTTP 503 starting" });
    });

    it("reports the last real answer even when attempts start just before the deadline", async () => {
        // Answers 503 for 60 ms, then hangs: attempts keep starting (every ms) up to the deadline, and
        // none of those that outlive it may count as timed out on its own.
        // Twenty such waits at once, so that some attempt's start falls on the deadline's very ms.
        const began = performance.now();
        const attempt = (signal: AbortSignal, n: number) => (performance.now() - began < 60 ? Promise.reject(new Error(`HTTP 503 (attempt ${n})`)) : hang([], "no answer")(signal));
        const deadline = Date.now() + 200;
        const waits = Array.from({ length: 20 }, () => retryWithin(attempt, { deadline, pauseMs: 1, hedgeMs: 1, attemptMs: 150 }).catch((err: Error) => err.message));
        for (const outcome of await Promise.all(waits)) assert.match(outcome, /^HTTP 503 \(attempt \d+\)$/);
    });

    it("reports the cut-short attempt when nothing else came", async () => {
        await assert.rejects(retryWithin(hang([], "no answer yet"), { deadline: Date.now() + 200, attemptMs: 5000, hedgeMs: 5000 }), { message: "no answer yet" });
    });

    it("hands what a late winner opened to `release`", async () => {
        const released: string[] = [];
        let finishFirst: (value: string) => void = () => undefined;
        const attempt = (_signal: AbortSignal, n: number) => (n === 1 ? new Promise<string>((resolve) => (finishFirst = resolve)) : Promise.resolve(`client ${n}`));
        const value = await retryWithin(attempt, { deadline: longDeadline(), hedgeMs: 10, release: (v) => released.push(v) });
        assert.equal(value, "client 2");
        finishFirst("client 1");
        await new Promise(setImmediate);
        assert.deepEqual(released, ["client 1"]);
    });
});
