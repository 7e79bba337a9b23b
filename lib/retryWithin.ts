/**
 * Waiting for a service that may accept connections long before it answers them: Docker publishes
 * a container's ports before the process inside listens, and a request sent in that window is
 * never answered. So a wait is many short attempts inside one overall deadline. An attempt still
 * unsettled after `hedgeMs` stays alive while the next one starts, so the first answer after the
 * service comes up is seen within a fraction of a second, whatever earlier attempts are stuck on;
 * each attempt is aborted after `attemptMs`, and every attempt still running is aborted the moment
 * the wait ends, so nothing outlives it. Plain TypeScript, no Pulumi.
 */

/** How long one attempt may take, how often to start another, and when to stop. */
export interface RetryOptions<T = unknown> {
    /** When to give up, as a `Date.now()` time. */
    deadline: number;
    /** Longest one attempt may run before it is aborted, in ms. */
    attemptMs?: number;
    /** Start another attempt when the newest has been running this long without settling, in ms. */
    hedgeMs?: number;
    /** Pause between a failed attempt and the next, when none is running, in ms. */
    pauseMs?: number;
    /** Called with each failure that another attempt follows. */
    onRetry?: (failure: unknown, attempts: number) => void;
    /** Frees the value of an attempt that succeeded after the wait was over (a connection it opened). */
    release?: (value: T) => void;
}

/** Mark of a failure that no further attempt can mend: the wait ends with it at once. */
export function final<E extends Error>(err: E): E & { final: true } {
    return Object.assign(err, { final: true as const });
}

function isFinal(err: unknown): boolean {
    return (err as { final?: unknown } | null)?.final === true;
}

/** Why an attempt's signal was aborted: its own time ran out, the wait's deadline came, or the wait is over. */
export type AbortReason = "attempt-timeout" | "deadline" | "done";

export const defaultAttemptMs = 3000;
const defaultHedgeMs = 250;
const defaultPauseMs = 100;
/** Whatever the timings, no wait starts more attempts than this. */
const maxAttempts = 100_000;

/**
 * Resolves with the first attempt that succeeds; rejects with a `final` failure at once, or at the
 * deadline with the last failure (one cut short by the deadline only when nothing came before it).
 * `attempt` must settle promptly once its signal aborts, and release what it holds.
 */
export function retryWithin<T>(attempt: (signal: AbortSignal, n: number) => Promise<T>, options: RetryOptions<T>): Promise<T> {
    const attemptMs = options.attemptMs ?? defaultAttemptMs;
    const hedgeMs = options.hedgeMs ?? defaultHedgeMs;
    const pauseMs = options.pauseMs ?? defaultPauseMs;
    return new Promise<T>((resolve, reject) => {
        const running = new Set<AbortController>();
        let attempts = 0;
        let lastStart = 0;
        let lastFailure: unknown = undefined;
        let cutFailure: unknown = undefined;
        let cutPending = 0;
        let done = false;
        let next: NodeJS.Timeout | undefined = undefined;
        let deadlineTimer: NodeJS.Timeout | undefined = undefined;
        // Every closure below uses only what is declared above it: Pulumi's function serializer (a
        // dynamic provider captures this code) cannot follow a name used before its declaration.
        let start: () => void = () => undefined;

        const stopAll = (reason: AbortReason) => {
            for (const controller of running) controller.abort(reason);
            running.clear();
        };
        const end = (settle: () => void) => {
            if (done) return;
            done = true;
            clearTimeout(next);
            clearTimeout(deadlineTimer);
            stopAll("done");
            settle();
        };
        const schedule = () => {
            clearTimeout(next);
            if (done || attempts >= maxAttempts) return;
            const wait = running.size === 0 ? pauseMs : lastStart + hedgeMs - Date.now();
            next = setTimeout(start, Math.max(0, Math.min(wait, options.deadline - Date.now())));
        };
        const giveUp = () => end(() => reject(lastFailure ?? cutFailure ?? new Error("no attempt finished before the deadline")));
        start = () => {
            if (done || Date.now() >= options.deadline) return;
            const n = ++attempts;
            lastStart = Date.now();
            const controller = new AbortController();
            running.add(controller);
            const cap = setTimeout(() => controller.abort("attempt-timeout" satisfies AbortReason), Math.min(attemptMs, options.deadline - Date.now()));
            attempt(controller.signal, n).then(
                (value) => {
                    clearTimeout(cap);
                    if (done) options.release?.(value);
                    else end(() => resolve(value));
                },
                (err: unknown) => {
                    clearTimeout(cap);
                    running.delete(controller);
                    if (controller.signal.reason === "deadline") {
                        cutFailure ??= err;
                        if (--cutPending === 0) giveUp();
                        return;
                    }
                    if (done) return;
                    if (isFinal(err)) return end(() => reject(err));
                    lastFailure = err;
                    options.onRetry?.(err, n);
                    schedule();
                },
            );
            schedule();
        };
        deadlineTimer = setTimeout(() => {
            // The attempts cut short settle promptly once aborted; the failure to report is known when they have.
            cutPending = running.size;
            stopAll("deadline");
            if (cutPending === 0) giveUp();
            else deadlineTimer = setTimeout(giveUp, 100);
        }, Math.max(0, options.deadline - Date.now()));
        start();
    });
}
