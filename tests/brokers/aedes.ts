/** aedes, an MQTT 3.1.1 broker in this process, on a free loopback port. */
import { Aedes, type AedesOptions } from "aedes";
import * as net from "node:net";

export async function startAedes(options?: AedesOptions): Promise<{ port: number; stop(): Promise<void> }> {
    const broker = await Aedes.createBroker(options);
    const server = net.createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as net.AddressInfo).port,
        stop: async () => {
            await new Promise((resolve) => server.close(resolve));
            await new Promise<void>((resolve) => broker.close(() => resolve()));
        },
    };
}
