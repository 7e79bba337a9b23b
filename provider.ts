/**
 * The package's component provider: `pulumi package add` runs this (PulumiPlugin.yaml, package.json
 * `main`) to read the schema and to construct a Deployment for a program in any language. It also
 * serves the resource types the Deployment brings (accounts, rules, a Swarm host's volumes, an
 * image's command): a YAML or Python program has no Node.js dynamic-provider host that could.
 * It exports nothing, so Pulumi's plugin runner does not start a second host for the component.
 */
import * as pulumi from "@pulumi/pulumi";
import { Deployment } from "./components/deployment";
import { hostVolumesType } from "./components/hostVolumes";
import { imageCommandType } from "./components/imageCommand";
import { mqttAclType } from "./components/mqttAcl";
import { mqttUsersType } from "./components/mqttUsers";
import { componentProvider, packageSchema } from "./components/packageSchema";
import { serveTypesFromPackage } from "./components/servedResource";
import { revealSecrets, secretsKept } from "./lib/secretValues";

const served = new Map([mqttUsersType, mqttAclType, hostVolumesType, imageCommandType].map((t) => [`emqx:index:${t.type}`, t.provider]));

/** The served type's lifecycle, from the type in the resource's URN (urn:pulumi:stack::project::parents$type::name). */
function lifecycle(urn: string): pulumi.dynamic.ResourceProvider {
    const type = urn.split("::")[2].split("$").pop()!;
    const found = served.get(type);
    if (!found) throw new Error(`the emqx package serves no resource type ${type}`);
    return found;
}

const provider: pulumi.provider.Provider = {
    version: componentProvider.version,
    getSchema: packageSchema,
    // The Deployment's outputs are its Output properties; Pulumi's own construct would analyze the sources for them first.
    async construct(name, type, inputs, options) {
        if (type !== "emqx:index:Deployment") throw new Error(`the emqx package has no component ${type}`);
        const deployment = new Deployment(name, inputs, options);
        const state = Object.fromEntries(Object.entries(deployment).filter(([, value]) => pulumi.Output.isInstance(value)));
        return { urn: deployment.urn, state };
    },
    async diff(id, urn, olds, news) {
        return (await lifecycle(urn).diff?.(id, revealSecrets(olds), revealSecrets(news))) ?? {};
    },
    async create(urn, inputs) {
        const made = await lifecycle(urn).create(revealSecrets(inputs));
        return { id: made.id, outs: secretsKept(inputs, made.outs) };
    },
    async read(id, urn, props) {
        const read = lifecycle(urn).read;
        if (!read) return { id, props };
        const found = await read(id, revealSecrets(props));
        return { id: found.id, props: secretsKept(props, found.props) };
    },
    async update(id, urn, olds, news) {
        const updated = await lifecycle(urn).update?.(id, revealSecrets(olds), revealSecrets(news));
        return { outs: secretsKept(news, updated?.outs ?? news) };
    },
    async delete(id, urn, props) {
        await lifecycle(urn).delete?.(id, revealSecrets(props));
    },
};

serveTypesFromPackage();
void pulumi.provider.main(provider, process.argv.slice(2));
