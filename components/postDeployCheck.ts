import * as pulumi from "@pulumi/pulumi";
import { type PostDeployCheckInputs, runPostDeployCheck } from "../lib/check/postDeploy";
import { runBeforeRecorded } from "./beforeRecorded";

/** Inputs of the post-deploy check: what it dials, and the container whose replacement means a new check. */
export type PostDeployCheckArgs = { [K in keyof PostDeployCheckInputs]: pulumi.Input<PostDeployCheckInputs[K]> } & {
    /** The broker containers' ids (every node's, comma-joined): a new container means a new check. */
    containerId: pulumi.Input<string>;
};

/**
 * Proves, inside `pulumi up`, whenever the container or anything the proof uses changed, that an
 * MQTT client can connect, subscribe and get its own message back (over TLS too with the broker's
 * own certificate), that an anonymous client is refused when accounts are configured, and that
 * the dashboard runs and takes the configured login. A failure fails `pulumi up` and is tried
 * again by the next one; nothing runs in preview. `pulumi up --replace` on its Stash re-runs it.
 */
export class PostDeployCheck extends pulumi.ComponentResource {
    constructor(name: string, args: PostDeployCheckArgs, opts?: pulumi.ComponentResourceOptions) {
        super("emqx:index:PostDeployCheck", name, {}, opts);
        runBeforeRecorded(
            `${name}-passed`,
            pulumi.output(args),
            async (inputs) => {
                const passed = await runPostDeployCheck(inputs, (line) => void pulumi.log.info(line, this));
                await pulumi.log.info(passed, this);
            },
            // A component's dependsOn does not order its children: the work waits for it explicitly.
            { parent: this, dependsOn: opts?.dependsOn },
        );
        this.registerOutputs({});
    }
}
