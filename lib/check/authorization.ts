/**
 * Proof that the broker applies the stack's authorization rules: a request they forbid is refused,
 * a subscription with SUBACK 0x80 (MQTT 3.1.1), a QoS 1 publish with PUBACK 0x87 "not authorized"
 * (MQTT 5; 3.1.1 has no code to say it). Plain TypeScript, no Pulumi.
 */
import type { AclProof } from "../emqx/acl";
import { closeQuietly, connectClient, subscribeRefusal } from "./mqtt";

/** A request the rules forbid, and why. */
export type Forbidden = NonNullable<AclProof["refused"]>;

/** Resolves with one line saying what was refused; throws one line when the broker grants it, or gives no answer by `deadline`. */
export async function checkRefused(url: string, account: { username?: string; password?: string }, forbidden: Forbidden, deadline: number): Promise<string> {
    const client = await connectClient(url, { ...account, protocolVersion: forbidden.action === "publish" ? 5 : 4 }, deadline);
    let timer: NodeJS.Timeout | undefined = undefined;
    try {
        const answer = new Promise<string | undefined>((resolve) => {
            if (forbidden.action === "subscribe") client.subscribe(forbidden.topic, { qos: 1 }, (err, granted) => resolve(subscribeRefusal(err, granted)));
            else client.publish(forbidden.topic, "emqx-check", { qos: 1 }, (err) => resolve(err ? `code ${(err as { code?: number }).code ?? err.message}` : undefined));
        });
        const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${forbidden.action} to ${forbidden.topic} got no answer`)), Math.max(0, deadline - Date.now()))));
        const refusal = await Promise.race([answer, late]);
        if (refusal === undefined) {
            throw new Error(`${forbidden.action} to ${forbidden.topic} was granted, though ${forbidden.because}: EMQX does not apply the stack's authorization rules`);
        }
        return `${forbidden.action} to ${forbidden.topic} refused (${refusal}), as ${forbidden.because}`;
    } finally {
        clearTimeout(timer);
        closeQuietly(client);
    }
}
