import * as pulumi from "@pulumi/pulumi";
import { checkDashboard } from "../lib/check/dashboard";
import { type ApiAccess, emqxApi } from "../lib/emqx/api";

/** How a resource that owns part of EMQX's data reaches its REST API, and after which containers. */
export interface ApiLoginArgs {
    /** The broker containers' ids (every node's, comma-joined): a new container may come with an empty data volume. */
    containerId: pulumi.Input<string>;
    /** Dashboard base URL, e.g. http://127.0.0.1:18083. */
    dashboardUrl: pulumi.Input<string>;
    /** Dashboard administrator the REST API is used as. */
    dashboardUsername: pulumi.Input<string>;
    /** That administrator's password (a secret). */
    dashboardPassword: pulumi.Input<string>;
    /** Container name, named in the fix a failed login suggests. */
    containerName: pulumi.Input<string>;
    /** How long to wait for a booting broker's API, in seconds. */
    timeoutSeconds: pulumi.Input<number>;
}

type Login = pulumi.Unwrap<ApiLoginArgs>;

/** What one resource owns in EMQX: how to make EMQX hold what the stack says, read it back, and tell them apart. */
export interface Owned<I extends Login, S extends I> {
    /** The resource's id, and its subject in errors ("cannot store MQTT users: …"). */
    id: string;
    what: string;
    /** Makes EMQX hold what `inputs` says; resolves to the state to record. */
    sync(access: ApiAccess, inputs: I): Promise<S>;
    /** The state as EMQX holds it now, for `pulumi refresh`. */
    observe(access: ApiAccess, state: S): Promise<S>;
    /** Whether the recorded state (as a refresh found it) differs from what the stack wants, besides the login. */
    differs(olds: S, news: I): boolean;
}

/** Logs in, waiting up to `timeoutMs` for a booting broker; the API it hands back has as long again for the work. */
async function logIn(login: Login, timeoutMs: number): Promise<ApiAccess> {
    const admin = { url: login.dashboardUrl, username: login.dashboardUsername, password: login.dashboardPassword, containerName: login.containerName };
    const token = await checkDashboard({ ...admin, timeoutMs });
    return { api: emqxApi(login.dashboardUrl, Date.now() + timeoutMs), token };
}

/**
 * A dynamic provider for data in EMQX's database that the stack owns wholesale: made to match the
 * configuration on create and on every update (a changed login or container included), read back
 * by `pulumi refresh` so the next `up` sees drift and repairs it, and left in place on delete (it
 * lives in the data volume, which outlives the stack when kept). A broker that does not answer a
 * refresh leaves the state as it was: the new container's sync follows anyway.
 */
export function ownedProvider<I extends Login, S extends I>(owned: Owned<I, S>): pulumi.dynamic.ResourceProvider {
    const loginKeys = ["containerId", "dashboardUrl", "dashboardUsername", "dashboardPassword"] as const;
    const sync = async (inputs: I) => {
        const access = await logIn(inputs, inputs.timeoutSeconds * 1000).catch((err: Error) => {
            throw new Error(`cannot store ${owned.what}: ${err.message}`);
        });
        return owned.sync(access, inputs);
    };
    return {
        async create(inputs: I) {
            return { id: owned.id, outs: await sync(inputs) };
        },
        async diff(_id: string, olds: S, news: I) {
            return { changes: loginKeys.some((key) => olds[key] !== news[key]) || owned.differs(olds, news) };
        },
        async read(id: string, state: S) {
            try {
                return { id, props: await owned.observe(await logIn(state, 5000), state) };
            } catch {
                return { id, props: state };
            }
        },
        async update(_id: string, _olds: S, news: I) {
            return { outs: await sync(news) };
        },
        async delete() {},
    };
}
