/**
 * `npm run test:e2e`: runs the end-to-end scenarios one after another when the real toolchain is
 * here; otherwise prints in one line what is missing and exits 0, so machines without it stay green.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { imageLine, missingToolchain } from "./toolchain";

const missing = missingToolchain();
if (missing) {
    console.log(`e2e: not run here, missing ${missing}`);
    process.exit(0);
}
console.log(`e2e: on ${imageLine()}`);
const files = readdirSync(__dirname).filter((f) => f.endsWith(".e2e.js")).sort().map((f) => path.join(__dirname, f));
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=1", "--test-reporter=tap", ...files], { stdio: "inherit" });
process.exit(result.status ?? 1);
