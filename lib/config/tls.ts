/**
 * The broker's own TLS certificate, checked before anything is deployed: PEM that parses, a key that
 * belongs to the certificate, dates that hold. Plain node:crypto, no Pulumi.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";

/** PEM text from the stack configuration. */
export interface TlsPem {
    /** Server certificate, optionally followed by its intermediates. */
    certificate: string;
    /** The certificate's private key. */
    privateKey: string;
    /** CA certificate(s) clients use to verify the broker; "" for none. */
    caCertificate: string;
}

/** What the post-deploy check needs to verify the broker's certificate. */
export interface TlsFacts {
    /** Name to verify the certificate against when dialling loopback; undefined verifies the dialled host. */
    serverName: string | undefined;
    /** End of validity, ISO 8601. */
    validTo: string;
}

/**
 * The first DNS name of the certificate (a wildcard made concrete), else its common name when
 * that looks like a host name: what clients would type to reach this broker.
 */
function serverNameOf(cert: X509Certificate): string | undefined {
    const dnsNames = (cert.subjectAltName ?? "")
        .split(", ")
        .filter((entry) => entry.startsWith("DNS:"))
        .map((entry) => entry.slice(4));
    const name = dnsNames[0] ?? /(?:^|\n)CN=([A-Za-z0-9*.-]+)(?:\n|$)/.exec(cert.subject)?.[1];
    return name?.replace(/^\*\./, "emqx-check.");
}

/**
 * Returns the facts, or one problem per key, each naming the key (`fail` adds how the key is named).
 * Never echoes PEM text: the key is a secret.
 */
export function inspectTls(pem: TlsPem, now: Date, fail: (key: string, message: string) => undefined, label: (key: string) => string): TlsFacts | undefined {
    let cert: X509Certificate | undefined;
    try {
        cert = new X509Certificate(pem.certificate);
    } catch {
        fail("tlsCertificate", "is not a PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    let key: ReturnType<typeof createPrivateKey> | undefined;
    try {
        key = createPrivateKey(pem.privateKey);
    } catch {
        fail("tlsPrivateKey", "is not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)");
    }
    if (pem.caCertificate !== "") {
        try {
            new X509Certificate(pem.caCertificate);
        } catch {
            fail("tlsCaCertificate", "is not a PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
    }
    if (!cert || !key) return undefined;
    if (!cert.checkPrivateKey(key)) return fail("tlsPrivateKey", `does not belong to ${label("tlsCertificate")}`);
    if (Date.parse(cert.validTo) < now.getTime()) return fail("tlsCertificate", `expired on ${cert.validTo}`);
    if (Date.parse(cert.validFrom) > now.getTime()) return fail("tlsCertificate", `is not valid before ${cert.validFrom}`);
    return { serverName: serverNameOf(cert), validTo: new Date(cert.validTo).toISOString() };
}
