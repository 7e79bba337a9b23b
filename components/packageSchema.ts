import { existsSync } from "node:fs";
import * as path from "node:path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { Deployment } from "./deployment";
import { secretArguments } from "./deploymentArguments";

/** The package's root: the nearest folder above this file that holds a package.json (built code lives in build/). */
function packageRoot(dir: string): string {
    if (existsSync(path.join(dir, "package.json")) || path.dirname(dir) === dir) return dir;
    return packageRoot(path.dirname(dir));
}

/** The package's component provider, analyzing the sources at the package's root. */
export const componentProvider = new ComponentProvider({ components: [Deployment], dirname: packageRoot(__dirname), name: "emqx", namespace: "ai4e" });

/**
 * The schema `pulumi package add` generates SDKs from: Pulumi's analysis of the Deployment's
 * sources, with the secret arguments marked secret (the analysis cannot tell), so every SDK
 * wraps them as secrets before they leave the consumer's program.
 */
export async function packageSchema(): Promise<string> {
    const schema = JSON.parse(await componentProvider.getSchema());
    const inputs = schema.resources["emqx:index:Deployment"].inputProperties;
    for (const key of secretArguments) inputs[key].secret = true;
    return JSON.stringify(schema);
}
