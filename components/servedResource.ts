import * as pulumi from "@pulumi/pulumi";

/** A resource type this package brings with it: its name under `emqx:index:` and its lifecycle. */
export interface ServedType {
    type: string;
    provider: pulumi.dynamic.ResourceProvider;
}

/** The two concrete forms a served resource takes (both Pulumi base classes are abstract). */
class PackageResource extends pulumi.CustomResource {}
class DynamicResource extends pulumi.dynamic.Resource {}

let servedByPackage = false;

/** Called once by the package's provider process (provider.ts): from then on it serves these types itself. */
export function serveTypesFromPackage(): void {
    servedByPackage = true;
}

/**
 * Declares a resource of `served`. In a program that runs this code itself (the stack, a
 * TypeScript consumer) it is a dynamic resource, whose lifecycle the engine's Node.js host runs.
 * Inside the package's component provider (a YAML or Python consumer) that host cannot find this
 * code, so it is the custom type `emqx:index:<type>`, which the same provider process serves.
 */
export function declareServed(served: ServedType, name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    return servedByPackage
        ? new PackageResource(`emqx:index:${served.type}`, name, props, opts)
        : new DynamicResource(served.provider, name, props, opts, "emqx", served.type);
}
