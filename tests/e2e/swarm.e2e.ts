/**
 * End to end, for real, beyond one host: a Docker Swarm of three hosts that the test builds on this
 * machine (tests/e2e/swarmLab.ts), the stack deployed to its manager through the Automation API
 * with one EMQX node pinned to each host. A client's message crosses hosts; no service spec shows a
 * secret; an image upgrade rolls host by host under a probe; a host lost fails `up` naming its node
 * and its return heals it; destroy leaves nothing on any host.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import mqtt from "mqtt";
import { roundTrip, startProbe } from "./mqtt";
import { copyProject, failedUp, type Project, up } from "./project";
import { labMissing, startSwarmLab, type SwarmLab } from "./swarmLab";
import { emqxImage } from "./toolchain";

const stackName = "e2eswarm";
const secrets = { dashboardPassword: "swarm-dashboard-pw-1", nodeCookie: "swarm_e2e_cookie_0123" };
const missing = labMissing();
const timings: Record<string, number> = {};

// Where the lab cannot be built, the scenario says why in one line and steps aside.
describe("swarm stack on three hosts, for real", { concurrency: 1, skip: missing && `cannot run here: the swarm lab needs ${missing}` }, () => {
    let lab: SwarmLab;
    let project: Project;
    let stack: Stack;
    const url = (host: number) => `mqtt://${lab.hosts[host - 1].address}:1883`;

    before(async () => {
        lab = await startSwarmLab(emqxImage);
        project = copyProject();
        stack = await project.stack(stackName);
        const plain = {
            engine: "swarm",
            dockerHost: lab.hosts[0].dockerHost,
            nodes: "3",
            containerName: "emqx_swarm",
            networkName: "emqx_swarm_net",
            subnet: "172.31.0.0/24",
            nodeName: "emqx@swarm.ai4e.internal",
            dashboardBindAddress: "0.0.0.0",
            nofileLimit: "0",
            noNewPrivileges: "false",
            memoryMb: "0",
            allowAnonymous: "true",
            keepVolumesOnDestroy: "false",
            checkTimeoutSeconds: "90",
        };
        for (const [key, value] of Object.entries(plain)) await stack.setConfig(key, { value });
        for (const host of lab.hosts) {
            const at = `swarmHosts[${host.index - 1}]`;
            await stack.setConfig(`${at}.hostname`, { value: host.hostname }, true);
            await stack.setConfig(`${at}.address`, { value: host.address }, true);
            await stack.setConfig(`${at}.dockerHost`, { value: host.dockerHost }, true);
        }
        for (const [key, value] of Object.entries(secrets)) await stack.setConfig(key, { value, secret: true });
    });

    after(async () => {
        await stack?.destroy({}).catch(() => undefined);
        await lab?.remove();
        project?.remove();
        console.log(`# swarm timings: ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(", ")}`);
    });

    it("deploys three nodes on three hosts through the manager, and the post-deploy check proves them one cluster", async () => {
        const result = await up(stack);
        timings["first deploy"] = result.ms;
        assert.match(result.output, /3 nodes running, messages cross between emqx@swarm\.ai4e\.internal and every other node/);
        const placed = lab.docker(1, "service", "ls", "--format", "{{.Name}} {{.Replicas}}").split("\n").sort();
        assert.deepEqual(placed, ["emqx_swarm 1/1", "emqx_swarm_2 1/1", "emqx_swarm_3 1/1"]);
        for (const host of lab.hosts) {
            assert.match(lab.docker(host.index, "ps", "--format", "{{.Names}}"), new RegExp(`^emqx_swarm${host.index === 1 ? "" : `_${host.index}`}\\.1\\.`), `node ${host.index} runs on ${host.hostname}`);
        }
    });

    it("a client's message crosses hosts: published on host 1, received on host 3", async () => {
        const subscriber = await mqtt.connectAsync(url(3), { reconnectPeriod: 0, connectTimeout: 5000 }, false);
        try {
            const topic = `e2e/swarm/${Date.now()}`;
            const received = new Promise<string>((resolve) => subscriber.on("message", (_t, payload) => resolve(payload.toString())));
            await subscriber.subscribeAsync(topic, { qos: 1 });
            const publisher = await mqtt.connectAsync(url(1), { reconnectPeriod: 0, connectTimeout: 5000 }, false);
            let timer: NodeJS.Timeout | undefined;
            try {
                // Routes between nodes settle within moments of a subscription; publish until it arrives (bounded).
                for (let i = 0; i < 50; i++) {
                    await publisher.publishAsync(topic, "from host 1", { qos: 1 });
                    const got = await Promise.race([received, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 200)))]);
                    clearTimeout(timer);
                    if (got) return assert.equal(got, "from host 1");
                }
                assert.fail("the message never reached host 3");
            } finally {
                await publisher.endAsync(true);
            }
        } finally {
            await subscriber.endAsync(true);
        }
    });

    it("`docker service inspect` shows no secret value", () => {
        const inspected = lab.docker(1, "service", "inspect", "emqx_swarm", "emqx_swarm_2", "emqx_swarm_3");
        for (const [key, value] of Object.entries(secrets)) assert.ok(!inspected.includes(value), `${key} shows in a service spec`);
        assert.ok(/"SecretName": "emqx-node-cookie-[0-9a-f]+"/.test(inspected), "the cookie is a Swarm secret the task mounts");
    });

    it("upgrades the image host by host: at every moment at least 2 of 3 nodes accept MQTT", async (t) => {
        for (const host of lab.hosts) lab.docker(host.index, "tag", emqxImage, "emqx/emqx:5.1.6");
        const probe = startProbe(lab.hosts.map((h) => url(h.index)));
        await stack.setConfig("image", { value: "emqx/emqx:5.1.6" });
        const result = await up(stack);
        timings.upgrade = result.ms;
        const { minimum, samples } = await probe.stop();
        t.diagnostic(`upgrade of 3 nodes on 3 hosts: ${(result.ms / 1000).toFixed(1)} s; fewest nodes accepting MQTT in ${samples} probes: ${minimum}`);
        assert.match(result.output, /3 nodes running, messages cross/);
        assert.deepEqual(lab.docker(1, "service", "ls", "--format", "{{.Image}}").split("\n"), ["emqx/emqx:5.1.6", "emqx/emqx:5.1.6", "emqx/emqx:5.1.6"]);
        assert.ok(samples > 10, `only ${samples} probes`);
        assert.ok(minimum >= 2, `only ${minimum} nodes accepted MQTT at one moment`);
    });

    it("a host lost: the other two keep serving, `up` fails naming the lost node; back, the next `up` passes", async (t) => {
        await lab.stopHost(2);
        const lost = Date.now();
        await roundTrip({ url: url(1) });
        await roundTrip({ url: url(3) });
        // A shorter wait makes every node's readiness and the check run again; the lost node's cannot pass.
        await stack.setConfig("checkTimeoutSeconds", { value: "25" });
        const message = await failedUp(stack);
        timings["host loss detected"] = Date.now() - lost;
        const failure = message.split("\n").find((line) => /before hook .* failed: /.test(line))?.trim();
        t.diagnostic(`up with host 2 down: ${failure}`);
        // Every node's readiness runs again, and each waits for the whole cluster: whichever fails first names the lost node.
        assert.match(failure ?? message, /before hook "emqx(-node\d)?-ready" failed: emqx@swarm\d?\.ai4e\.internal does not serve again: .*emqx@swarm2\.ai4e\.internal/);
        await lab.startHost(2);
        const back = Date.now();
        // Another wait again, so every node's readiness and the check run once more, with the host back.
        await stack.setConfig("checkTimeoutSeconds", { value: "60" });
        const healed = await up(stack);
        timings.heal = Date.now() - back;
        assert.match(healed.output, /3 nodes running, messages cross/);
        await roundTrip({ url: url(2) });
    });

    it("destroy leaves nothing on any host: no service, secret, config, network or volume", async () => {
        const started = Date.now();
        await stack.destroy({});
        timings.destroy = Date.now() - started;
        assert.equal(lab.docker(1, "service", "ls", "-q"), "");
        assert.equal(lab.docker(1, "secret", "ls", "-q"), "");
        assert.equal(lab.docker(1, "config", "ls", "-q"), "");
        assert.equal(lab.docker(1, "network", "ls", "-q", "--filter", "name=emqx_swarm_net"), "");
        for (const host of lab.hosts) assert.equal(lab.docker(host.index, "volume", "ls", "-q", "--filter", "label=com.pulumi.stack=e2eswarm"), "", host.hostname);
    });
});
