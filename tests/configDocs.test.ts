/** The README's configuration table is Pulumi.yaml's, and the stack files', to the letter. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { readmeConfigTable, renderConfigTable, structuredKeys } from "../scripts/configTable";
import { declaredConfig, repoRoot } from "./harness/stackFiles";

describe("configuration documentation", () => {
    const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");

    it("README's table is the one made from Pulumi.yaml and the stack files (run `npm run docs:config` after changing them)", () => {
        assert.equal(readmeConfigTable(readme), renderConfigTable(repoRoot));
    });

    it("every key Pulumi.yaml declares has a type, a description and a default", () => {
        for (const [key, declared] of Object.entries(declaredConfig())) {
            assert.ok(declared.type && declared.description && declared.default !== undefined, key);
        }
    });

    it("every key a shipped stack file or the README's prose names is declared (or is structured: mqttUsers, mqttAcl, emqxConfig)", () => {
        const known = new Set([...Object.keys(declaredConfig()), ...structuredKeys]);
        const named = [...readme.matchAll(/pulumi config set (?:--stack \w+ )?(?:--path )?(?:--secret )?(?:--path )?'?(\w+)/g)].map((m) => m[1]);
        for (const file of ["Pulumi.dev.yaml", "Pulumi.prod.yaml"]) {
            named.push(...[...readFileSync(path.join(repoRoot, file), "utf8").matchAll(/emqx:(\w+)|config set (?:--path )?(?:--secret )?'?(\w+)/g)].map((m) => m[1] ?? m[2]));
        }
        assert.ok(named.length >= 10, `found only ${named.join(", ")}`);
        assert.deepEqual(named.filter((key) => !known.has(key)), []);
    });
});
