import { AsyncResource } from "node:async_hooks";
import * as pulumi from "@pulumi/pulumi";

/**
 * A resource hook whose callback runs in the context it was declared in. The engine calls hooks
 * back later, from outside that context; in a component provider the context holds the consumer's
 * engine connection, so without it what the hook logs would never reach the consumer's `up`.
 */
export function contextualHook(name: string, callback: pulumi.ResourceHookFunction): pulumi.ResourceHook {
    return new pulumi.ResourceHook(name, AsyncResource.bind(callback));
}

/** A Stash's input as a hook receives it: secrets arrive as Outputs. */
async function stashInput<T>(inputs: Record<string, unknown> | undefined): Promise<T | undefined> {
    const value = inputs?.input;
    return pulumi.Output.isInstance(value) ? new Promise<T>((resolve) => (value as pulumi.Output<T>).apply(resolve)) : (value as T | undefined);
}

/**
 * Records `input` (as a secret) in a pulumi.Stash whose creation or change first runs `action`,
 * inside `pulumi up`, never in preview. The action runs as a before hook: when it fails, `up` fails
 * with its message and the Stash keeps the old value, so the next `up` runs it again. Nothing runs
 * when the input is unchanged, and no provider plugin has to start for it.
 */
export function runBeforeRecorded<T>(
    name: string,
    input: pulumi.Input<T>,
    action: (news: T, olds: T | undefined) => Promise<void>,
    opts: pulumi.CustomResourceOptions,
): pulumi.Stash {
    const hook = contextualHook(name, async (args) => {
        const news = await stashInput<T>(args.newInputs);
        await action(news as T, await stashInput<T>(args.oldInputs));
    });
    return new pulumi.Stash(name, { input: pulumi.secret(input) }, { ...opts, hooks: { beforeCreate: [hook], beforeUpdate: [hook] } });
}
