/** retryWithin: short attempts inside one deadline, overlapping while the newest is silent, nothing left running at the end. */
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

describe("retryWithin", () => {
    it("starts another attempt while the newest hangs, and aborts every other attempt once one succeeds", async () => {
        const signals: AbortSignal[] = [];
        const started = Date.now();
        const value = await retryWithin((signal, n) => (n < 4 ? hang(signals)(signal) : Promise.resolve(`attempt ${n}`)), { deadline: Date.now() + 10_000, hedgeMs: 50, attemptMs: 5000 });
        assert.equal(value, "attempt 4");
        assert.ok(Date.now() - started < 1000, "three silent attempts did not hold it up");
        assert.deepEqual(signals.map((s) => [s.aborted, s.reason]), [[true, "done"], [true, "done"], [true, "done"]]);
    });

    it("keeps no more attempts running than its timings allow, each aborted after attemptMs", async () => {
        const signals: AbortSignal[] = [];
        let most = 0;
        const attempt = (signal: AbortSignal) => {
            const p = hang(signals)(signal);
            most = Math.max(most, signals.filter((s) => !s.aborted).length);
            return p;
        };
        await assert.rejects(retryWithin(attempt, { deadline: Date.now() + 1000, hedgeMs: 50, attemptMs: 200 }), /no answer/);
        assert.ok(most <= 5, `${most} attempts at once`);
        assert.ok(signals.filter((s) => s.reason === "attempt-timeout").length >= 10);
        assert.ok(signals.every((s) => s.aborted), "nothing is left running");
    });

    it("pauses between attempts that fail at once", async () => {
        let attempts = 0;
        await assert.rejects(
            retryWithin(() => (attempts++, Promise.reject(new Error("ECONNREFUSED"))), { deadline: Date.now() + 500, pauseMs: 100 }),
            { message: "ECONNREFUSED" },
        );
        assert.ok(attempts >= 4 && attempts <= 6, `${attempts} attempts in 0.5 s`);
    });

    it("ends at once on a final failure", async () => {
        const started = Date.now();
        await assert.rejects(retryWithin(() => Promise.reject(final(new Error("bad password"))), { deadline: Date.now() + 5000 }), { message: "bad password" });
        assert.ok(Date.now() - started < 200);
    });

    it("reports the last real answer rather than an attempt the deadline cut short", async () => {
        const signals: AbortSignal[] = [];
        const attempt = (signal: AbortSignal, n: number) => (n === 1 ? Promise.reject(new Error("HTTP 503 starting")) : hang(signals, "no answer")(signal));
        await assert.rejects(retryWithin(attempt, { deadline: Date.now() + 300, pauseMs: 10, attemptMs: 5000 }), { message: "HTTP 503 starting" });
    });

    it("reports the cut-short attempt when nothing else came", async () => {
        await assert.rejects(retryWithin(hang([], "no answer yet"), { deadline: Date.now() + 200, attemptMs: 5000, hedgeMs: 5000 }), { message: "no answer yet" });
    });

    it("hands what a late winner opened to `release`", async () => {
        const released: string[] = [];
        const attempt = (_signal: AbortSignal, n: number) => new Promise<string>((resolve) => setTimeout(() => resolve(`client ${n}`), n === 1 ? 300 : 10));
        const value = await retryWithin(attempt, { deadline: Date.now() + 5000, hedgeMs: 50, release: (v) => released.push(v) });
        assert.equal(value, "client 2");
        await new Promise((resolve) => setTimeout(resolve, 400));
        assert.deepEqual(released, ["client 1"]);
    });
});
