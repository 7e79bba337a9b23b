/**
 * End to end, for real: the dev stack deployed with the README's command onto the local Docker
 * engine, then driven through the Automation API: what Docker holds, an independent MQTT round
 * trip, a no-op up, a replaced container, healing after `docker rm -f`, and a clean destroy.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { docker, inspect, labelled, removeLabelled } from "./docker";
import { roundTrip } from "./mqtt";
import { copyProject, failedUp, npmDeploy, type Project, up } from "./project";
import { emqxImage } from "./toolchain";

const owner = ["com.pulumi.project=emqx", "com.pulumi.stack=dev"];
const timings: Record<string, number> = {};

describe("dev stack, for real", { concurrency: 1 }, () => {
    let project: Project;
    let stack: Stack;

    before(async () => {
        const existing = labelled(...owner);
        const taken = inspect("container", "ai4e_emqx") || inspect("network", "ai4e_net");
        if (taken || existing.containers.length + existing.networks.length + existing.volumes.length > 0) {
            throw new Error("a dev stack (ai4e_emqx / ai4e_net) already runs on this Docker engine; destroy it before the e2e tier, which would collide with it");
        }
        project = copyProject();
    });

    after(async () => {
        await stack?.destroy({}).catch(() => undefined);
        removeLabelled(...owner);
        project?.remove();
        console.log(`# dev timings: ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(", ")}`);
    });

    it("`npm run deploy -- dev --yes` deploys it, with no warning", async () => {
        const deploy = await npmDeploy(project, ["dev", "--yes"]);
        timings["first deploy"] = deploy.ms;
        assert.equal(deploy.code, 0, deploy.output.slice(-3000));
        assert.doesNotMatch(deploy.output, /warning/i, deploy.output.slice(-3000));
        assert.match(deploy.output, /post-deploy check passed: mqtt:\/\/127\.0\.0\.1:1883 round trip [0-9.]+ ms, dashboard login accepted/);
        stack = await project.stack("dev");
    });

    it("Docker holds the seed: ai4e_emqx at 172.20.0.117 on ai4e_net 172.20.0.0/16, restart always, five ports", () => {
        const container = inspect("container", "ai4e_emqx");
        assert.equal(container.Config.Image, docker("image", "inspect", "--format", "{{.Id}}", emqxImage));
        assert.equal(container.State.Running, true);
        assert.equal(container.HostConfig.RestartPolicy.Name, "always");
        assert.equal(container.NetworkSettings.Networks.ai4e_net.IPAMConfig.IPv4Address, "172.20.0.117");
        assert.equal(inspect("network", "ai4e_net").IPAM.Config[0].Subnet, "172.20.0.0/16");
        const ports = Object.entries(container.HostConfig.PortBindings as Record<string, { HostIp: string; HostPort: string }[]>)
            .map(([port, [binding]]) => `${binding.HostIp || "0.0.0.0"}:${binding.HostPort}->${port}`)
            .sort();
        assert.deepEqual(ports, ["0.0.0.0:18083->18083/tcp", "0.0.0.0:1883->1883/tcp", "0.0.0.0:8083->8083/tcp", "0.0.0.0:8084->8084/tcp", "0.0.0.0:8883->8883/tcp"]);
        assert.deepEqual(container.HostConfig.Ulimits ?? [], [], "the seed sets no ulimits");
    });

    it("an independent MQTT client makes a round trip on 1883", async () => {
        await roundTrip({ url: "mqtt://127.0.0.1:1883" });
    });

    it("a second up changes nothing, and so proves nothing again", async () => {
        const result = await up(stack);
        timings["no-op up"] = result.ms;
        assert.deepEqual(Object.keys(result.summary.resourceChanges ?? {}), ["same"], JSON.stringify(result.summary.resourceChanges));
        assert.doesNotMatch(result.output, /post-deploy check passed/);
    });

    it("a changed fixed IP replaces the container, and the check proves the new one", async () => {
        const before = inspect("container", "ai4e_emqx").Id;
        await stack.setConfig("containerIp", { value: "172.20.0.118" });
        const result = await up(stack);
        assert.equal(result.summary.resourceChanges?.replace, 1, JSON.stringify(result.summary.resourceChanges));
        const container = inspect("container", "ai4e_emqx");
        assert.notEqual(container.Id, before);
        assert.equal(container.NetworkSettings.Networks.ai4e_net.IPAMConfig.IPv4Address, "172.20.0.118");
        assert.match(result.output, /post-deploy check passed/);
        assert.equal(result.outputs.containerIp.value, "172.20.0.118");
    });

    it("`docker rm -f` then `up --refresh` brings the broker back and proves it again", async () => {
        docker("rm", "-f", "ai4e_emqx");
        const result = await up(stack, { refresh: true });
        assert.equal(inspect("container", "ai4e_emqx")?.State.Running, true);
        assert.match(result.output, /post-deploy check passed/);
        await roundTrip({ url: "mqtt://127.0.0.1:1883" });
    });

    it("a broker that stops answering fails `up` with the reason, and the next `up` tries again", async () => {
        // A changed timeout makes the proof run again; a paused container answers nothing.
        await stack.setConfig("checkTimeoutSeconds", { value: "3" });
        docker("pause", "ai4e_emqx");
        try {
            const first = await failedUp(stack);
            assert.match(first, /before hook "[\w-]+" failed: .*within 3 s/);
            assert.match(await failedUp(stack), /before hook "[\w-]+" failed: /, "a failure is not recorded as done");
        } finally {
            docker("unpause", "ai4e_emqx");
        }
        assert.match((await up(stack)).output, /post-deploy check passed/);
    });

    it("destroy leaves nothing of dev: no container, network or volume", async () => {
        const started = Date.now();
        await stack.destroy({});
        timings.destroy = Date.now() - started;
        assert.deepEqual(labelled(...owner), { containers: [], networks: [], volumes: [] });
        assert.equal(inspect("network", "ai4e_net"), undefined);
    });

});
