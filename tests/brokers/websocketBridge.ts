/**
 * MQTT over WebSocket in front of a TCP broker: Debian's mosquitto cannot open a websockets
 * listener on these machines, so each WebSocket is piped into a TCP connection to the broker.
 */
import * as http from "node:http";
import * as net from "node:net";
import { createWebSocketStream, WebSocketServer } from "ws";

export async function startWebSocketBridge(brokerPort: number): Promise<{ port: number; stop(): Promise<void> }> {
    const server = http.createServer();
    const wss = new WebSocketServer({ server, path: "/mqtt" });
    wss.on("connection", (ws) => {
        const stream = createWebSocketStream(ws);
        const tcp = net.connect(brokerPort, "127.0.0.1");
        stream.pipe(tcp).pipe(stream);
        const close = () => (stream.destroy(), tcp.destroy());
        stream.on("error", close);
        tcp.on("error", close);
        tcp.on("close", close);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as net.AddressInfo).port,
        stop: async () => {
            wss.clients.forEach((c) => c.terminate());
            await new Promise((resolve) => wss.close(resolve));
            await new Promise((resolve) => server.close(resolve));
        },
    };
}
