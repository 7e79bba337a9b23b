/**
 * A few headline figures from EMQX's Prometheus text (`GET /api/v5/prometheus/stats`, no login):
 * connections now, messages received and sent since the node started. Plain TypeScript, no Pulumi.
 */
import { emqxApi } from "../emqx/api";

/** The figures, as EMQX counts them. */
export interface HeadlineMetrics {
    connections: number;
    messagesReceived: number;
    messagesSent: number;
}

const names: Record<keyof HeadlineMetrics, string> = {
    connections: "emqx_connections_count",
    messagesReceived: "emqx_messages_received",
    messagesSent: "emqx_messages_sent",
};

/** The value of each sample line `name value` (labels and comments left out) in Prometheus text. */
export function parsePrometheusText(text: string): Map<string, number> {
    const samples = new Map<string, number>();
    for (const line of text.split("\n")) {
        const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(\S+)/.exec(line.trim());
        if (match) samples.set(match[1], Number(match[2]));
    }
    return samples;
}

/** Reads `metricsUrl` until `deadline`; throws one line naming a figure EMQX did not give. */
export async function readMetrics(metricsUrl: string, deadline: number): Promise<HeadlineMetrics> {
    const url = new URL(metricsUrl);
    const { status, text } = await emqxApi(url.origin, deadline).request("GET", `${url.pathname}${url.search}`);
    if (status !== 200) throw new Error(`${metricsUrl} answered HTTP ${status} ${text.trim().slice(0, 120)}`);
    const samples = parsePrometheusText(text);
    const figures = Object.entries(names).map(([figure, name]) => {
        const value = samples.get(name);
        if (value === undefined || Number.isNaN(value)) throw new Error(`${metricsUrl} gives no ${name}`);
        return [figure, value];
    });
    return Object.fromEntries(figures) as HeadlineMetrics;
}
