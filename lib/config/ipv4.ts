/** IPv4 arithmetic for validating a Docker network layout before anything is declared. */

/** Parses dotted-quad IPv4 text into a 32-bit unsigned number, or undefined when it is not one. */
export function parseIpv4(text: string): number | undefined {
    const parts = text.split(".");
    if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p))) {
        return undefined;
    }
    const octets = parts.map(Number);
    if (octets.some((o) => o > 255)) {
        return undefined;
    }
    return octets.reduce((acc, o) => acc * 256 + o, 0);
}

/** Formats a 32-bit unsigned number as dotted-quad text. */
export function formatIpv4(value: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** An IPv4 network in CIDR form, with the addresses Docker reserves in it. */
export interface Ipv4Cidr {
    network: number;
    prefix: number;
    broadcast: number;
    /** Docker's default gateway: the first host address. */
    gateway: number;
}

/** Parses `a.b.c.d/n`; the error text says what is wrong, for use in a config message. */
export function parseCidr(text: string): Ipv4Cidr | string {
    const match = /^([^/]+)\/(\d{1,2})$/.exec(text);
    if (!match) {
        return "is not IPv4 CIDR notation like 172.20.0.0/16";
    }
    const address = parseIpv4(match[1]);
    if (address === undefined) {
        return `has "${match[1]}", which is not an IPv4 address`;
    }
    const prefix = Number(match[2]);
    if (prefix > 32) {
        return `has prefix /${prefix}; an IPv4 prefix is 0 to 32`;
    }
    if (prefix > 30) {
        return `has prefix /${prefix}, which leaves no room for a gateway and a container (use /30 or shorter)`;
    }
    const size = 2 ** (32 - prefix);
    const network = address - (address % size);
    if (network !== address) {
        return `has host bits set; the network address is ${formatIpv4(network)}/${prefix}`;
    }
    return { network, prefix, broadcast: network + size - 1, gateway: network + 1 };
}
