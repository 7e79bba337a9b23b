/**
 * Secrets as a provider that accepts them sees its properties: wrapped as
 * `{ [specialSigKey]: specialSecretSig, value }`. The served lifecycles take plain values; what
 * they hand back is wrapped again wherever the input was secret, so state keeps it encrypted.
 */
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

const isWrapped = (value: unknown): value is { value: unknown } =>
    typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;

/** Whether `value` holds a secret anywhere. */
function holdsSecret(value: unknown): boolean {
    if (isWrapped(value)) return true;
    if (typeof value !== "object" || value === null) return false;
    return Object.values(value).some(holdsSecret);
}

/** `value` with every secret unwrapped. */
export function revealSecrets<T>(value: T): T {
    if (isWrapped(value)) return revealSecrets(value.value) as T;
    if (Array.isArray(value)) return value.map(revealSecrets) as T;
    if (typeof value !== "object" || value === null) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealSecrets(v)])) as T;
}

/** `outs`, with each top-level property wrapped as a secret where the same property of `inputs` held one. */
export function secretsKept(inputs: Record<string, unknown>, outs: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, holdsSecret(inputs[k]) ? { [specialSigKey]: specialSecretSig, value: v } : v]));
}
