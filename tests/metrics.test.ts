/** Headline figures from EMQX's Prometheus text, against a stand-in answering as EMQX's API does. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePrometheusText, readMetrics } from "../lib/check/metrics";
import { startFakeEmqxApi } from "./brokers/emqxApi";

describe("metrics", () => {
    it("reads the samples of Prometheus text, leaving comments and labelled series out", () => {
        const samples = parsePrometheusText("# TYPE emqx_connections_count gauge\nemqx_connections_count 7\nerlang_vm_memory_bytes{kind=\"total\"} 5\nemqx_messages_sent 1e3\n");
        assert.deepEqual([...samples], [["emqx_connections_count", 7], ["emqx_messages_sent", 1000]]);
    });

    it("names the figure EMQX did not give", async () => {
        const api = await startFakeEmqxApi({ username: "admin", password: "long-enough-pw" }, { metrics: "emqx_connections_count 1\nemqx_messages_received 2\n" });
        try {
            await assert.rejects(readMetrics(`${api.url}/api/v5/prometheus/stats`, Date.now() + 5000), { message: `${api.url}/api/v5/prometheus/stats gives no emqx_messages_sent` });
        } finally {
            await api.stop();
        }
    });
});
