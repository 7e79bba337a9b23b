import * as pulumi from "@pulumi/pulumi";
import { ensureDashboardPassword } from "../lib/emqx/dashboardPassword";
import { runBeforeRecorded } from "./beforeRecorded";

/** Inputs of the dashboard administrator's password. */
export interface DashboardPasswordArgs {
    /** Dashboard base URL, e.g. http://127.0.0.1:18083. */
    dashboardUrl: pulumi.Input<string>;
    /** Dashboard administrator. */
    username: pulumi.Input<string>;
    /** The password it must have (a secret). */
    password: pulumi.Input<string>;
    /** The password its data volume got on first boot (a secret). */
    firstBootPassword: pulumi.Input<string>;
    /** The broker container's id: a new container may come with a volume that holds another password. */
    containerId: pulumi.Input<string>;
    /** Container name, named in the fix a refused login suggests. */
    containerName: pulumi.Input<string>;
    /** How long to wait for a booting broker's API, in seconds. */
    timeoutSeconds: pulumi.Input<number>;
}

/**
 * The dashboard administrator's password, made equal to emqx:dashboardPassword through EMQX's API
 * on every deploy that changes it or the container: EMQX reads its configured password only on a
 * data volume's first boot, so a changed one is set with the password deployed before (or the
 * first-boot one), and the broker keeps running.
 */
export class DashboardPassword extends pulumi.ComponentResource {
    constructor(name: string, args: DashboardPasswordArgs, opts?: pulumi.ComponentResourceOptions) {
        super("emqx:index:DashboardPassword", name, {}, opts);
        runBeforeRecorded(
            `${name}-applied`,
            pulumi.output(args),
            async (inputs, previous) => {
                const { changed } = await ensureDashboardPassword({
                    url: inputs.dashboardUrl,
                    username: inputs.username,
                    password: inputs.password,
                    earlierPasswords: [previous?.password, inputs.firstBootPassword].filter((p): p is string => p !== undefined),
                    containerName: inputs.containerName,
                    timeoutMs: inputs.timeoutSeconds * 1000,
                });
                if (changed) await pulumi.log.info(`dashboard password of ${inputs.username} changed to emqx:dashboardPassword`, this);
            },
            // A component's dependsOn does not order its children: the work waits for it explicitly.
            { parent: this, dependsOn: opts?.dependsOn },
        );
        this.registerOutputs({});
    }
}
