/**
 * End to end, for real: the cluster stack (Pulumi.cluster.yaml, three nodes) proven by its
 * post-deploy check (every node running, messages crossing between node 1 and every other), grown
 * to five without touching nodes 1-3, shrunk back, destroyed. Against the local stand-in image,
 * which plays static-discovery clustering with node 1 as the hub (EMQX's own differs: see README).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { execFileSync, spawnSync } from "node:child_process";
import { docker, holdPort, inspect, labelled, removeLabelled } from "./docker";
import { publishRetained, refusal, retainedMessage, roundTrip, startProbe } from "./mqtt";
import { copyProject, failedUp, type Project, up } from "./project";
import { emqxImage } from "./toolchain";

const owner = ["com.pulumi.project=emqx", "com.pulumi.stack=cluster"];
const names = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? "ai4e_cluster" : `ai4e_cluster_${i + 1}`));
const ids = (n: number) => names(n).map((name) => inspect("container", name)?.Id as string | undefined);

describe("cluster stack, for real", { concurrency: 1 }, () => {
    let project: Project;
    let stack: Stack;

    before(async () => {
        const existing = labelled(...owner);
        if (existing.containers.length + existing.networks.length + existing.volumes.length > 0) {
            throw new Error("Docker already holds resources of a stack named cluster; remove them before the e2e tier");
        }
        project = copyProject();
        stack = await project.stack("cluster");
    });

    after(async () => {
        await stack?.destroy({}).catch(() => undefined);
        removeLabelled(...owner);
        for (const tag of ["emqx/emqx:5.1.6", "emqx-e2e-base:5.1.4"]) spawnSync("docker", ["rmi", tag], { stdio: "ignore" });
        project?.remove();
    });

    let firstThree: (string | undefined)[] = [];

    it("deploys three nodes, started together, and proves them one cluster", async (t) => {
        const result = await up(stack);
        t.diagnostic(`cluster first deploy: ${(result.ms / 1000).toFixed(1)} s`);
        assert.match(result.output, /3 nodes running, messages cross between emqx@cluster\.ai4e\.internal and every other node/);
        firstThree = ids(3);
        assert.ok(firstThree.every(Boolean), JSON.stringify(firstThree));
        await roundTrip({ url: "mqtt://127.0.0.1:11885" });
    });

    it("a second up changes nothing", async () => {
        const result = await up(stack);
        assert.deepEqual(Object.keys(result.summary.resourceChanges ?? {}), ["same"], JSON.stringify(result.summary.resourceChanges));
    });

    it("grows to five nodes without replacing nodes 1-3", async () => {
        await stack.setConfig("nodes", { value: "5" });
        const result = await up(stack);
        assert.match(result.output, /5 nodes running, messages cross/);
        assert.deepEqual(ids(3), firstThree, "nodes 1-3 are the same containers");
        assert.ok(ids(5).every(Boolean));
    });

    it("shrinks back to three, removing only nodes 4 and 5", async () => {
        await stack.setConfig("nodes", { value: "3" });
        const result = await up(stack);
        assert.match(result.output, /3 nodes running, messages cross/);
        assert.deepEqual(ids(3), firstThree);
        assert.deepEqual(names(5).slice(3).map((name) => inspect("container", name)), [undefined, undefined]);
    });

    it("stores accounts once, through node 1, and every node takes them and refuses anonymous clients", async () => {
        await stack.setConfig("allowAnonymous", { value: "false" });
        await stack.setConfig("mqttUsers[0].username", { value: "fleet" }, true);
        await stack.setConfig("mqttUsers[0].password", { value: "fleet-password-1", secret: true }, true);
        const result = await up(stack);
        assert.match(result.output, /MQTT users: created 1/);
        assert.match(result.output, /3 nodes running, messages cross/);
        for (const port of [11883, 11884, 11885]) {
            await roundTrip({ url: `mqtt://127.0.0.1:${port}`, username: "fleet", password: "fleet-password-1" });
            assert.ok([4, 5].includes((await refusal({ url: `mqtt://127.0.0.1:${port}` }))!), `node on ${port} refuses anonymous clients`);
        }
    });

    it("upgrades the image node by node: at every moment at least 2 of 3 nodes accept the account, which survives, and so does a retained message", async (t) => {
        // A second image to upgrade to: the stand-in again, under the next version's tag.
        docker("tag", emqxImage, "emqx-e2e-base:5.1.4");
        execFileSync("docker", ["build", "-q", "-t", "emqx/emqx:5.1.6", "-"], { input: "FROM emqx-e2e-base:5.1.4\nLABEL org.opencontainers.image.version=5.1.6\n", env: { ...process.env, DOCKER_BUILDKIT: "0" } });
        const before = ids(3);
        const fleet = { username: "fleet", password: "fleet-password-1" };
        const retainedTopic = `e2e/retained/${Date.now()}`;
        await publishRetained({ url: "mqtt://127.0.0.1:11883", ...fleet }, retainedTopic, "kept through the upgrade");
        // The stand-in's mosquitto writes it to the volume on its next autosave (1 s); EMQX's disc copy is written at once.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const probe = startProbe([11883, 11884, 11885].map((port) => `mqtt://127.0.0.1:${port}`), fleet);
        const started = Date.now();
        await stack.setConfig("image", { value: "emqx/emqx:5.1.6" });
        const result = await up(stack);
        const upgradeMs = Date.now() - started;
        const { minimum, samples } = await probe.stop();
        t.diagnostic(`upgrade of 3 nodes: ${(upgradeMs / 1000).toFixed(1)} s; fewest nodes accepting MQTT in ${samples} probes: ${minimum}`);
        assert.match(result.output, /3 nodes running, messages cross/);
        assert.ok(ids(3).every((id, i) => id && id !== before[i]), "every node was replaced");
        assert.ok(samples > 10, `only ${samples} probes`);
        assert.ok(minimum >= 2, `only ${minimum} nodes accepted MQTT at one moment`);
        await roundTrip({ url: "mqtt://127.0.0.1:11885", username: "fleet", password: "fleet-password-1" });
        assert.equal(await retainedMessage({ url: "mqtt://127.0.0.1:11883", ...fleet }, retainedTopic), "kept through the upgrade", "retained messages are on disc (retainerStorage)");
    });

    it("refuses to grow onto a host port another program holds, naming the key that sets it, before that node exists", async () => {
        const release = await holdPort(11886);
        try {
            await stack.setConfig("nodes", { value: "4" });
            const message = await failedUp(stack);
            assert.match(message, /emqx:mqttPort is 11883, so node 4 takes 11886, which something else on the Docker host already uses/);
            assert.equal(inspect("container", "ai4e_cluster_4"), undefined);
        } finally {
            await release();
            await stack.setConfig("nodes", { value: "3" });
        }
    });

    it("destroy leaves nothing of the cluster", async () => {
        await stack.destroy({});
        assert.deepEqual(labelled(...owner), { containers: [], networks: [], volumes: [] });
    });
});
