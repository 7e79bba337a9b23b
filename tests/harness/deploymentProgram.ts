/** A program as a TypeScript consumer writes one: a Deployment named "broker" with HARNESS_DEPLOYMENT_ARGS (JSON), its outputs exported. */
import * as pulumi from "@pulumi/pulumi";
import { Deployment } from "../../components/deployment";

const secretArguments = new Set(["dashboardPassword", "nodeCookie", "mqttUsers"]);
const given: Record<string, unknown> = JSON.parse(process.env.HARNESS_DEPLOYMENT_ARGS ?? "{}");
// As a consumer passes them: secrets as Pulumi secrets (config.requireSecret), the rest plain.
const args = Object.fromEntries(Object.entries(given).map(([key, value]) => [key, secretArguments.has(key) ? pulumi.secret(value) : value]));
const broker = new Deployment("broker", args);

export const mqttUrl = broker.mqttUrl;
export const containerName = broker.containerName;
