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
/** How long attempts cut short by the deadline have to say what they were stuck on. */
const settleMs = 100;

/**
 * Resolves with the first attempt that succeeds; rejects with a `final` failure at once, or at the
 * deadline with the last failure (or, when none came, with what an attempt the deadline cut short
 * says). `attempt` must settle promptly once its signal aborts, and release what it holds.
 */
export function retryWithin<T>(attempt: (signal: AbortSignal, n: number) => Promise<T>, options: RetryOptions<T>): Promise<T> {
    const { deadline, attemptMs = defaultAttemptMs, hedgeMs = defaultHedgeMs, pauseMs = defaultPauseMs } = options;
    return new Promise<T>((resolve, reject) => {
        const running = new Set<AbortController>();
        let attempts = 0;
        let lastStart = 0;
        let lastFailure: unknown = undefined;
        let expired = false;
        let done = false;
        let next: NodeJS.Timeout | undefined = undefined;
        let timer: NodeJS.Timeout | undefined = undefined;
        // Every closure below uses only what is declared above it: Pulumi's function serializer (a
        // dynamic provider captures this code) cannot follow a name used before its declaration.
        let start: () => void = () => undefined;

        const abortAll = (reason: AbortReason) => running.forEach((controller) => controller.abort(reason));
        const finish = (settle: () => void) => {
            if (done) return;
            done = true;
            clearTimeout(next);
            clearTimeout(timer);
            abortAll("done");
            settle();
        };
        const fail = (err: unknown) => finish(() => reject(err ?? new Error("no attempt finished before the deadline")));
        const schedule = () => {
            clearTimeout(next);
            if (done || expired || attempts >= maxAttempts) return;
            next = setTimeout(start, Math.max(0, running.size === 0 ? pauseMs : lastStart + hedgeMs - Date.now()));
        };
        start = () => {
            const n = ++attempts;
            lastStart = Date.now();
            const controller = new AbortController();
            running.add(controller);
            // An attempt that would outlast the deadline is left to it, so it is never counted as timed out on its own.
            const cap = lastStart + attemptMs < deadline ? setTimeout(() => controller.abort("attempt-timeout" satisfies AbortReason), attemptMs) : undefined;
            attempt(controller.signal, n).then(
                (value) => {
                    clearTimeout(cap);
                    running.delete(controller);
                    if (done) options.release?.(value);
                    else finish(() => resolve(value));
                },
                (err: unknown) => {
                    clearTimeout(cap);
                    running.delete(controller);
                    if (done) return;
                    // Past the deadline, the first attempt to settle says what the wait was stuck on.
                    if (expired || isFinal(err)) return fail(err);
                    lastFailure = err;
                    options.onRetry?.(err, n);
                    schedule();
                },
            );
            schedule();
        };
        timer = setTimeout(() => {
            expired = true;
            clearTimeout(next);
            abortAll("deadline");
            if (lastFailure !== undefined || running.size === 0) return fail(lastFailure);
            timer = setTimeout(() => fail(undefined), settleMs);
        }, Math.max(0, deadline - Date.now()));
        start();
    });
}
