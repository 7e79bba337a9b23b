/** The dashboard proof against a local HTTP server that answers as EMQX's REST API does. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkDashboard } from "../lib/dashboardCheck";
import { startFakeEmqxApi } from "./brokers/emqxApi";
import { freePort } from "./brokers/ports";

const admin = { username: "admin", password: "long-enough-pw" };

describe("dashboard proof (against a stand-in answering as EMQX's API does)", () => {
    it("waits through 503 while EMQX starts, then logs in", async () => {
        const api = await startFakeEmqxApi(admin, { startingFor: 3 });
        try {
            await checkDashboard({ url: api.url, ...admin, containerName: "ai4e_emqx", timeoutMs: 5000 });
            assert.deepEqual(api.requests, ["GET /status", "GET /status", "GET /status", "GET /status", "POST /api/v5/login"]);
        } finally {
            await api.stop();
        }
    });

    it("explains a refused login: the password only applies on a data volume's first boot", async () => {
        const api = await startFakeEmqxApi({ username: "admin", password: "older-password" });
        try {
            await assert.rejects(checkDashboard({ url: api.url, ...admin, containerName: "ai4e_emqx", timeoutMs: 5000 }), {
                message:
                    "dashboard login as admin was refused (HTTP 401). EMQX applies emqx:dashboardPassword only on the first boot of a data volume, " +
                    "so this volume keeps an older password. Set it with `docker exec ai4e_emqx emqx ctl admins passwd admin <new password>`, " +
                    "or deploy onto a fresh data volume.",
            });
        } finally {
            await api.stop();
        }
    });

    it("gives up by the deadline when nothing answers", async () => {
        const port = await freePort();
        const started = Date.now();
        await assert.rejects(checkDashboard({ url: `http://127.0.0.1:${port}`, ...admin, containerName: "x", timeoutMs: 800 }), {
            message: `dashboard http://127.0.0.1:${port}/status did not report "is running" within 0.8 s, last answer ECONNREFUSED`,
        });
        assert.ok(Date.now() - started < 2000);
    });

    it("gives up by the deadline while it stays at 503", async () => {
        const api = await startFakeEmqxApi(admin, { startingFor: 1_000_000 });
        try {
            await assert.rejects(checkDashboard({ url: api.url, ...admin, containerName: "x", timeoutMs: 500 }), /within 0\.5 s, last answer HTTP 503 Node emqx@172\.20\.0\.117 is starting/);
        } finally {
            await api.stop();
        }
    });
});
