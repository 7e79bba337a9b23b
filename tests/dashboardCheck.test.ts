/** The dashboard proof against a local HTTP server that answers as EMQX's REST API does. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkDashboard } from "../lib/check/dashboard";
import { emqxApi, requestToken } from "../lib/emqx/api";
import { ensureDashboardPassword } from "../lib/emqx/dashboardPassword";
import { startFakeEmqxApi } from "./brokers/emqxApi";
import { freePort } from "./brokers/ports";

const admin = { username: "admin", password: "long-enough-pw" };

describe("dashboard proof (against a stand-in answering as EMQX's API does)", () => {
    it("waits through 503 while EMQX starts, then logs in", async () => {
        const api = await startFakeEmqxApi(admin, { startingFor: 3 });
        try {
            await checkDashboard({ url: api.url, ...admin, containerName: "ai4e_emqx", timeoutMs: 5000 });
            // On a busy machine a slow answer may be asked for twice: count what matters, not every request.
            const statusCalls = api.requests.filter((r) => r === "GET /status").length;
            assert.ok(statusCalls >= 4, `${statusCalls} status calls`);
            assert.equal(api.requests.at(-1), "POST /api/v5/login", "it logs in only once EMQX runs");
        } finally {
            await api.stop();
        }
    });

    it("explains a refused login: the volume holds a password set outside the stack, and how to set it", async () => {
        const api = await startFakeEmqxApi({ username: "admin", password: "older-password" });
        try {
            await assert.rejects(checkDashboard({ url: api.url, ...admin, containerName: "ai4e_emqx", timeoutMs: 5000 }), {
                message:
                    "dashboard login as admin was refused (HTTP 401) with emqx:dashboardPassword and with every password this stack set before, " +
                    "so the data volume keeps a password set outside the stack. Set it with `docker exec ai4e_emqx emqx ctl admins passwd admin " +
                    "<emqx:dashboardPassword>`, or deploy onto a fresh data volume.",
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
        assert.ok(Date.now() - started < 5000, "it gives up at its deadline rather than hanging");
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

describe("the stand-in API's tokens, as EMQX keeps them", () => {
    it("accepts every token it issued, until a password change revokes them all", async () => {
        const api = await startFakeEmqxApi(admin, { nodes: { "emqx@n1.x": "running" } });
        try {
            const access = emqxApi(api.url, Date.now() + 5000);
            const first = (await requestToken(access, admin.username, admin.password))!;
            const second = (await requestToken(access, admin.username, admin.password))!;
            assert.notEqual(first, second);
            for (const token of [first, second]) assert.equal((await access.request("GET", "/api/v5/nodes", { token })).status, 200);
            await ensureDashboardPassword({ url: api.url, username: "admin", password: "another-password-2", earlierPasswords: [admin.password], containerName: "x", timeoutMs: 5000 });
            for (const token of [first, second]) assert.equal((await access.request("GET", "/api/v5/nodes", { token })).status, 401);
        } finally {
            await api.stop();
        }
    });
});

describe("dashboard password kept equal to the configuration through EMQX's API (stand-in)", () => {
    const options = (url: string, password: string, earlierPasswords: string[]) =>
        ({ url, username: "admin", password, earlierPasswords, containerName: "ai4e_emqx", timeoutMs: 5000 });

    it("changes nothing when the configured password already logs in", async () => {
        const api = await startFakeEmqxApi(admin);
        try {
            assert.deepEqual(await ensureDashboardPassword(options(api.url, admin.password, ["first-boot-pw1"])), { changed: false });
            assert.ok(!api.requests.some((r) => r.includes("change_pwd")));
        } finally {
            await api.stop();
        }
    });

    it("logs in with an earlier password and changes it, trying them in order, so the broker never restarts", async () => {
        const api = await startFakeEmqxApi({ username: "admin", password: "first-boot-pw1" });
        try {
            assert.deepEqual(await ensureDashboardPassword(options(api.url, "rotated-pw-2", ["last-deployed-9", "first-boot-pw1"])), { changed: true });
            assert.equal(api.adminPassword(), "rotated-pw-2");
            assert.deepEqual(api.requests.filter((r) => r.startsWith("POST")), [
                "POST /api/v5/login",
                "POST /api/v5/login",
                "POST /api/v5/login",
                "POST /api/v5/users/admin/change_pwd",
            ]);
        } finally {
            await api.stop();
        }
    });

    it("says what EMQX answered when it refuses the new password", async () => {
        const api = await startFakeEmqxApi({ username: "admin", password: "first-boot-pw1" });
        try {
            await assert.rejects(ensureDashboardPassword(options(api.url, "short", ["first-boot-pw1"])), {
                message: 'EMQX refused to change the dashboard password of admin to emqx:dashboardPassword: HTTP 400 {"code":"BAD_REQUEST","message":"The range of password length is 8~64"}',
            });
        } finally {
            await api.stop();
        }
    });

    it("explains when no password the stack knows logs in", async () => {
        const api = await startFakeEmqxApi({ username: "admin", password: "set-by-hand-77" });
        try {
            await assert.rejects(ensureDashboardPassword(options(api.url, "rotated-pw-2", ["first-boot-pw1"])), /^Error: dashboard login as admin was refused \(HTTP 401\) with emqx:dashboardPassword/);
        } finally {
            await api.stop();
        }
    });
});
