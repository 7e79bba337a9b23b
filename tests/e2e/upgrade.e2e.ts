/**
 * End to end, for real: stacks deployed by the code before the Deployment component existed keep
 * every resource when `up` runs with the code of today. A dev stack and a prod-shaped one (accounts,
 * a rule, a dashboard password) are deployed from the last commit before the component, then the
 * project's files are replaced with this working tree's: the `up` that follows creates only the
 * component itself (a record in state, nothing in Docker), leaves the container as it was, and
 * proves nothing again because nothing changed.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { grantableNofileLimit, inspect, labelled, removeLabelled } from "./docker";
import { roundTrip } from "./mqtt";
import { copyProject, type Project, putCurrentProject, up } from "./project";
import { standinCannot } from "./toolchain";

/** The last commit whose stack declared its resources without the component. */
const beforeComponent = "b6734e2";

const prodNames = { containerName: "emqx_e2e_upgrade", networkName: "emqx_e2e_upgrade_net", subnet: "172.29.2.0/24", containerIp: "172.29.2.10" };
const prodPorts = { mqttPort: 23883, mqttsPort: 23884, wsPort: 23885, wssPort: 23886, dashboardPort: 23887 };
const sensor = { username: "sensor", password: "sensor-password-1" };

const cases: { stack: string; container: string; mqttUrl: string; configure?: (stack: Stack) => Promise<void> }[] = [
    { stack: "dev", container: "ai4e_emqx", mqttUrl: "mqtt://127.0.0.1:1883" },
    {
        stack: "e2eupgrade",
        container: prodNames.containerName,
        mqttUrl: `mqtt://127.0.0.1:${prodPorts.mqttPort}`,
        async configure(stack) {
            for (const [key, value] of Object.entries({ ...prodNames, ...prodPorts, nodeName: "emqx@e2e-upgrade.ai4e.internal", nofileLimit: grantableNofileLimit })) await stack.setConfig(key, { value: String(value) });
            await stack.setConfig("dashboardPassword", { value: "upgrade-dashboard-pw-1", secret: true });
            await stack.setConfig("nodeCookie", { value: "e2e_upgrade_cookie_01", secret: true });
            await stack.setConfig("mqttUsers[0].username", { value: sensor.username }, true);
            await stack.setConfig("mqttUsers[0].password", { value: sensor.password, secret: true }, true);
            // The stand-in serves no authorization API: there the stack allows what no rule names, and has no rule.
            if (standinCannot("serves no authorization API")) await stack.setConfig("authorizationNoMatch", { value: "allow" });
            else for (const [field, value] of Object.entries({ permission: "allow", action: "all", topic: "e2e/#" })) await stack.setConfig(`mqttAcl[0].${field}`, { value }, true);
        },
    },
];

for (const { stack: stackName, container, mqttUrl, configure } of cases) {
    describe(`${stackName} stack deployed before the component, then up with today's code`, { concurrency: 1 }, () => {
        const owner = ["com.pulumi.project=emqx", `com.pulumi.stack=${stackName}`];
        let project: Project;
        let stack: Stack;
        let containerId: string;

        after(async () => {
            await stack?.destroy({}).catch(() => undefined);
            removeLabelled(...owner);
            project?.remove();
        });

        it(`deploys with ${beforeComponent}, the commit before the component`, async () => {
            assert.deepEqual(labelled(...owner), { containers: [], networks: [], volumes: [] }, `Docker already holds a ${stackName} stack; remove it first`);
            project = copyProject(beforeComponent);
            stack = await project.stack(stackName);
            if (stackName !== "dev") await stack.setConfig("keepVolumesOnDestroy", { value: "false" });
            await configure?.(stack);
            const result = await up(stack);
            assert.match(result.output, /post-deploy check passed/);
            containerId = inspect("container", container).Id;
        });

        it("with today's code, up creates only the component record and changes no resource", async () => {
            putCurrentProject(project.dir);
            const result = await up(stack);
            const changes = result.summary.resourceChanges ?? {};
            assert.deepEqual(Object.keys(changes).sort(), ["create", "same"], JSON.stringify(changes));
            assert.equal(changes.create, 1, JSON.stringify(changes));
            assert.match(result.output, /\+\s+emqx:index:Deployment emqx creating/);
            assert.doesNotMatch(result.output, /post-deploy check passed/, "nothing changed, so nothing is proven again");
            assert.equal(inspect("container", container).Id, containerId, "the same container runs on");
            await roundTrip(stackName === "dev" ? { url: mqttUrl } : { url: mqttUrl, username: sensor.username, password: sensor.password, topic: "e2e/upgrade" });
        });

        it("and the up after that changes nothing at all", async () => {
            const result = await up(stack);
            assert.deepEqual(Object.keys(result.summary.resourceChanges ?? {}), ["same"], JSON.stringify(result.summary.resourceChanges));
        });
    });
}
