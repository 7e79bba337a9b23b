/**
 * A Swarm node's volumes on its host, through their dynamic provider exactly as the engine runs it
 * (the serialized `__provider` text, loaded with require-from-string), against a stand-in `docker`
 * on PATH that records what it is asked and answers as the CLI does.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import requireFromString from "require-from-string";
import { only, runProgram } from "./harness/scenario";

describe("a Swarm node's volumes on its own host, as the engine loads their provider", () => {
    let provider: Required<import("@pulumi/pulumi").dynamic.ResourceProvider>;
    let bin: string;
    const calls = () => readFileSync(path.join(bin, "calls"), "utf8").trim().split("\n");
    const inputs = { dockerHost: "unix:///run/host2.sock", tls: undefined, names: ["emqx-swarm-emqx-node2-data", "emqx-swarm-emqx-node2-log"], labels: { "com.pulumi.stack": "swarm" } };
    const secrets = { dashboardPassword: { secret: "a-long-dashboard-password" }, nodeCookie: { secret: "swarm_cookie_0123456789" }, allowAnonymous: "true" };
    const hosts = JSON.stringify([1, 2, 3].map((k) => ({ hostname: `swarm-${k}`, dockerHost: `unix:///run/host${k}.sock` })));

    before(async () => {
        const run = await runProgram("swarm", { ...secrets, swarmHosts: hosts, keepVolumesOnDestroy: "false" });
        const volumes = run.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/emqx:HostVolumes");
        assert.deepEqual(volumes.map((v) => [v.name, (v.inputs.names as string[]).length, v.retainOnDelete]), [
            ["emqx-volumes", 2, false],
            ["emqx-node2-volumes", 2, false],
            ["emqx-node3-volumes", 2, false],
        ]);
        provider = requireFromString(only({ ...run, resources: volumes.slice(1, 2) }, "pulumi-nodejs:dynamic/emqx:HostVolumes").inputs.__provider as string).handler();
        bin = mkdtempSync(path.join(tmpdir(), "fake-docker-"));
        // "volume rm" answers "in use" twice, as while Swarm still removes the task's container, then succeeds.
        const script = `#!/bin/sh
echo "$*" >> "${bin}/calls"
case "$*" in
  *"volume rm"*) n=$(cat "${bin}/rm" 2>/dev/null || echo 0); echo $((n+1)) > "${bin}/rm"
                 if [ "$n" -lt 2 ]; then echo "Error response from daemon: remove $4: volume is in use - [abc]" >&2; exit 1; fi ;;
esac
`;
        writeFileSync(path.join(bin, "docker"), script);
        chmodSync(path.join(bin, "docker"), 0o755);
        process.env.PATH = `${bin}:${process.env.PATH}`;
    });
    after(() => {
        process.env.PATH = process.env.PATH!.split(":").filter((p) => p !== bin).join(":");
        rmSync(bin, { recursive: true, force: true });
    });

    it("makes them through the host's own engine, with the stack's labels", async () => {
        await provider.create(inputs);
        assert.deepEqual(calls(), [
            "--host unix:///run/host2.sock volume create --label com.pulumi.stack=swarm emqx-swarm-emqx-node2-data",
            "--host unix:///run/host2.sock volume create --label com.pulumi.stack=swarm emqx-swarm-emqx-node2-log",
        ]);
    });

    it("removes them on delete, trying again while a stopping task still uses one", async () => {
        const started = Date.now();
        await provider.delete("id", inputs);
        assert.deepEqual(calls().filter((c) => c.includes("volume rm")), [
            "--host unix:///run/host2.sock volume rm emqx-swarm-emqx-node2-data",
            "--host unix:///run/host2.sock volume rm emqx-swarm-emqx-node2-data",
            "--host unix:///run/host2.sock volume rm emqx-swarm-emqx-node2-data",
            "--host unix:///run/host2.sock volume rm emqx-swarm-emqx-node2-log",
        ]);
        assert.ok(Date.now() - started >= 2000, "a second between tries");
    });

    it("is replaced when its host or names change, not for anything else", async () => {
        assert.deepEqual((await provider.diff("id", inputs, { ...inputs, dockerHost: "ssh://other" })).replaces, ["names"]);
        assert.deepEqual((await provider.diff("id", inputs, { ...inputs, labels: { x: "y" } })).changes, false);
    });
});
