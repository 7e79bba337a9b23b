/**
 * A port in front of a real server that behaves as Docker's published port does while the
 * container's process is still booting: it accepts every connection and never answers it. From
 * `open()` on, new connections reach the server; those accepted before stay silent until `stop()`.
 */
import * as net from "node:net";

export interface SilentGate {
    port: number;
    /** From now on, connections are piped to the server. */
    open(): void;
    /** Connections accepted while closed, each still held without an answer. */
    held(): number;
    /**
     * How many of those were still open (not given up by the client) when the first connection
     * after `open()` came: a wait that sends a new attempt beside the silent ones, rather than
     * after they time out, has several; undefined until then.
     */
    heldAtFirstAnswer(): number | undefined;
    stop(): Promise<void>;
}

export async function startSilentGate(targetPort: number): Promise<SilentGate> {
    const sockets = new Set<net.Socket>();
    const silent = new Set<net.Socket>();
    let isOpen = false;
    let held = 0;
    let heldAtFirstAnswer: number | undefined = undefined;
    const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => (sockets.delete(socket), silent.delete(socket)));
        socket.on("error", () => socket.destroy());
        if (!isOpen) {
            held++;
            silent.add(socket);
            return;
        }
        heldAtFirstAnswer ??= silent.size;
        const upstream = net.connect(targetPort, "127.0.0.1");
        sockets.add(upstream);
        upstream.on("close", () => (sockets.delete(upstream), socket.destroy()));
        upstream.on("error", () => upstream.destroy());
        socket.on("close", () => upstream.destroy());
        socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as net.AddressInfo).port,
        open: () => (isOpen = true),
        held: () => held,
        heldAtFirstAnswer: () => heldAtFirstAnswer,
        stop: async () => {
            sockets.forEach((s) => s.destroy());
            await new Promise((resolve) => server.close(resolve));
        },
    };
}

/** Opens `gate` after `ms`; resolves with the time it opened (Date.now()). */
export function openAfter(gate: SilentGate, ms: number): Promise<number> {
    return new Promise((resolve) => setTimeout(() => (gate.open(), resolve(Date.now())), ms));
}
