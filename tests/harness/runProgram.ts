/**
 * Runs index.ts under Pulumi's mocks in this process and prints, as JSON on the last line, what
 * the program registered: every resource request exactly as it reached the (mock) engine, and
 * the stack outputs. Run one scenario per process so each starts from a clean Pulumi runtime.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as path from "node:path";
import requireFromString from "require-from-string";
import { repoRoot, stackConfig } from "./stackFiles";

const secretSig = "1b47061264138c4ac30d75fd1eb44270";
const sigKey = "4dabf18193072939515e22adb298388d";

export interface RegisteredResource {
    type: string;
    name: string;
    custom: boolean;
    /** `type::name` of the parent, "" for none. */
    parent: string;
    inputs: Record<string, unknown>;
    /** Inputs that reached the engine wrapped as secrets: a key, or a list element such as `envs[3]`. */
    secretInputs: string[];
    /** `type::name` of the resources this one depends on. */
    dependsOn: string[];
    deleteBeforeReplace: boolean;
    retainOnDelete: boolean;
    /** Inputs whose changes the engine ignores once the resource exists. */
    ignoreChanges: string[];
    /** Outputs the resource asks the engine to keep secret (additionalSecretOutputs). */
    secretOutputs: string[];
    /** Resource hooks bound to the resource, by when they run (beforeCreate, beforeUpdate…). */
    hooks: Record<string, string[]>;
}

export interface ProgramRun {
    error?: { name: string; message: string };
    resources: RegisteredResource[];
    outputs: Record<string, { value: unknown; secret: boolean }>;
    /** Lines the program logged with pulumi.log.warn (filled in by the parent process from stderr). */
    warnings: string[];
}

function unwrapSecrets(value: any): any {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value === null || typeof value !== "object") return value;
    if (value[sigKey] === secretSig) return unwrapSecrets(value.value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
}

/**
 * Outputs the engine and the real providers compute: a recognisable image id, an image's command, and a Stash's first
 * value (with HARNESS_DEPLOYED_BEFORE, a node's "-deployed" marker keeps an earlier deploy's value).
 */
async function computedByProviders(type: string, name: string, inputs: Record<string, any>): Promise<Record<string, unknown>> {
    // The image's own command, read by its serialized provider as the engine would run it (against the stand-in `docker` on PATH).
    if (type === "pulumi-nodejs:dynamic/emqx:ImageCommand") return (await requireFromString(inputs.__provider).handler().create(inputs)).outs;
    if (type === "docker:index/remoteImage:RemoteImage") return { imageId: "sha256:mock" };
    if (type === "pulumi:index:Stash" && name.endsWith("-deployed") && process.env.HARNESS_DEPLOYED_BEFORE) return { output: "an earlier deploy's nonce" };
    if (type === "pulumi:index:Stash") return { output: inputs.input };
    return {};
}

async function main(): Promise<void> {
    const stack = process.env.HARNESS_STACK ?? "dev";
    const overrides = JSON.parse(process.env.HARNESS_CONFIG ?? "{}");
    const { values, secretKeys } = stackConfig(stack, overrides);
    pulumi.runtime.setAllConfig(values, secretKeys);

    const resources: RegisteredResource[] = [];
    const urnToName = new Map<string, string>();
    const original = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = async function (req: any, callback: any) {
        const raw = req.getObject()?.toJavaScript() ?? {};
        resources.push({
            type: req.getType(),
            name: req.getName(),
            custom: req.getCustom(),
            parent: urnToName.get(req.getParent()) ?? "",
            inputs: unwrapSecrets(raw),
            secretInputs: Object.entries(raw).flatMap(([key, value]: [string, any]) =>
                value?.[sigKey] === secretSig ? [key] : Array.isArray(value) ? value.flatMap((item, i) => (item?.[sigKey] === secretSig ? [`${key}[${i}]`] : [])) : [],
            ),
            dependsOn: req.getDependenciesList().map((urn: string) => urnToName.get(urn) ?? urn),
            deleteBeforeReplace: req.getDeletebeforereplace(),
            retainOnDelete: req.getRetainondelete() ?? false,
            ignoreChanges: req.getIgnorechangesList(),
            secretOutputs: req.getAdditionalsecretoutputsList(),
            hooks: Object.fromEntries(Object.entries(req.getHooks()?.toObject() ?? {}).filter(([, names]) => (names as string[]).length > 0).map(([when, names]) => [when.replace(/List$/, ""), names as string[]])),
        });
        return original.call(this, req, (err: unknown, response: any) => {
            if (response) urnToName.set(response.getUrn(), `${req.getType()}::${req.getName()}`);
            callback(err, response);
        });
    };

    // The engine keeps resource hooks and calls them back during `up`; under mocks nothing calls them.
    (MockMonitor.prototype as any).registerResourceHook = (_req: unknown, callback: (err: null, res: object) => void) => callback(null, {});

    await pulumi.runtime.setMocks(
        {
            newResource: async (args) => ({
                id: `${args.name}-id`,
                state: { ...args.inputs, ...(await computedByProviders(args.type, args.name, args.inputs)) },
            }),
            call: (args) => args.inputs,
        },
        "emqx",
        stack,
        false,
    );

    const run: ProgramRun = { resources, outputs: {}, warnings: [] };
    const report = () => process.stdout.write("\n" + JSON.stringify(run) + "\n");
    // Errors the runtime raises after the program returned (e.g. serializing a dynamic provider).
    process.on("uncaughtException", (err) => {
        run.error = { name: err.constructor.name, message: err.message };
        report();
        process.exit(0);
    });
    try {
        const program = require(path.join(repoRoot, "build", process.env.HARNESS_PROGRAM ?? "index"));
        for (const [name, value] of Object.entries(program)) {
            const output: pulumi.Output<unknown> = pulumi.output(value as any);
            run.outputs[name] = {
                value: await new Promise((resolve) => output.apply(resolve)),
                secret: await pulumi.isSecret(output),
            };
        }
        // Registrations that wait on other resources' outputs (the Stashes behind the hooks) end last;
        // the runtime's own wait for outstanding RPCs is not in its typings.
        await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
    } catch (err) {
        const e = err as Error;
        run.error = { name: e.constructor.name, message: e.message };
    }
    report();
    process.exit(0);
}

void main();
