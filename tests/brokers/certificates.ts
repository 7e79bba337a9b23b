/** Test certificates made with openssl at test time: a CA, a server certificate it signs, and an unrelated CA. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface TestPki {
    /** Folder the PEM files live in (readable by mosquitto's own user). */
    dir: string;
    caFile: string;
    certFile: string;
    keyFile: string;
    /** PEM text of the CA that signed the server certificate. */
    ca: string;
    /** PEM text of the server certificate. */
    cert: string;
    /** PEM text of the server key. */
    key: string;
    /** PEM text of a CA that did not. */
    otherCa: string;
}

function openssl(dir: string, ...args: string[]): void {
    execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

function makeCa(dir: string, name: string): void {
    openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "2", "-subj", `/CN=${name}`);
}

/** Server certificate for localhost and 127.0.0.1, signed by `ca`. */
export function makePki(dir: string): TestPki {
    makeCa(dir, "ca");
    makeCa(dir, "other-ca");
    openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
    writeFileSync(path.join(dir, "server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "2", "-extfile", "server.ext");
    return {
        dir,
        caFile: path.join(dir, "ca.crt"),
        certFile: path.join(dir, "server.crt"),
        keyFile: path.join(dir, "server.key"),
        ca: readFileSync(path.join(dir, "ca.crt"), "utf8"),
        cert: readFileSync(path.join(dir, "server.crt"), "utf8"),
        key: readFileSync(path.join(dir, "server.key"), "utf8"),
        otherCa: readFileSync(path.join(dir, "other-ca.crt"), "utf8"),
    };
}

/** A PKI in its own temporary folder, for tests that only need the PEM text; `remove` deletes it. */
export function makeTempPki(): TestPki & { remove(): void } {
    const dir = mkdtempSync(path.join(tmpdir(), "test-pki-"));
    return { ...makePki(dir), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
