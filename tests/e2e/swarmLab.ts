/**
 * A real three-host Docker Swarm on this machine, for the swarm scenario (../shared/swarm-lab.md):
 * three network namespaces on one bridge (10.231.0.1-3, the bridge .254), each with a dockerd of
 * its own (its own hostname, data and socket /run/emqxlabN.sock), the stand-in image loaded into
 * each, host 1 the manager. Everything it makes carries the `emqxlab` name, and `remove()` takes
 * it all down again, leaving the machine's own engine as it was.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const bridge = "emqxlab0";
const subnet = "10.231.0";
const cgroupControllers = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"];

export interface LabHost {
    /** 1-based. */
    index: number;
    hostname: string;
    address: string;
    /** unix:///run/emqxlabN.sock */
    dockerHost: string;
}

export interface SwarmLab {
    hosts: LabHost[];
    /** Runs the docker CLI against host `index`. */
    docker(index: number, ...args: string[]): string;
    /** Stops host `index`'s dockerd, as a host lost would. */
    stopHost(index: number): Promise<void>;
    /** Starts it again, on its old data: it rejoins the swarm. */
    startHost(index: number): Promise<void>;
    remove(): Promise<void>;
}

function run(command: string, args: string[], input?: Buffer): string {
    return execFileSync(command, args, { encoding: "utf8", input, stdio: [input ? "pipe" : "ignore", "pipe", "pipe"], timeout: 120_000 }).trim();
}

function quiet(command: string, args: string[]): void {
    spawnSync(command, args, { stdio: "ignore", timeout: 60_000 });
}

/** Why the lab cannot be built here, in one line, or undefined when it can. */
export function labMissing(): string | undefined {
    if (process.getuid?.() !== 0) return "root (network namespaces and a dockerd per host)";
    for (const tool of ["ip", "dockerd", "iptables", "unshare"]) {
        if (spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status !== 0) return `${tool} on PATH`;
    }
    if (spawnSync("ip", ["netns", "list"], { stdio: "ignore" }).status !== 0) return "network namespaces (ip netns)";
    if (existsSync(`/var/run/netns/emqxlab1`)) return "a free lab: namespace emqxlab1 exists already (an earlier run left it; `ip netns del emqxlab1`)";
    return undefined;
}

/** Resolves once `check` passes, polling every 200 ms; rejects with `what` after `timeoutMs`. */
async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (check()) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`swarm lab: ${what} within ${timeoutMs / 1000} s`);
}

/** Builds the lab; `image` is loaded from the machine's engine into every host. */
export async function startSwarmLab(image: string): Promise<SwarmLab> {
    const root = mkdtempSync(path.join(tmpdir(), "emqxlab-"));
    const hosts: LabHost[] = [1, 2, 3].map((index) => ({ index, hostname: `lab${index}`, address: `${subnet}.${index}`, dockerHost: `unix:///run/emqxlab${index}.sock` }));
    const daemons = new Map<number, ChildProcess>();
    const docker = (index: number, ...args: string[]) => run("docker", ["-H", hosts[index - 1].dockerHost, ...args]);
    // A root dockerd sets FORWARD to DROP; host-to-host traffic on the lab's bridge needs its own rule.
    const chain = spawnSync("iptables", ["-L", "DOCKER-USER", "-n"], { stdio: "ignore" }).status === 0 ? "DOCKER-USER" : "FORWARD";

    const startDaemon = async (host: LabHost) => {
        const dir = path.join(root, host.hostname);
        const mounts = [
            "mount -t tmpfs cgroup_root /sys/fs/cgroup",
            ...cgroupControllers.map((c) => `mkdir -p /sys/fs/cgroup/${c} && mount -t cgroup -o ${c} cgroup /sys/fs/cgroup/${c}`),
            "mkdir -p /sys/fs/cgroup/systemd && mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd",
            "mkdir -p /sys/fs/cgroup/unified && mount -t cgroup2 none /sys/fs/cgroup/unified",
        ];
        const dockerd = [
            "exec dockerd",
            `--data-root ${dir}/data --exec-root ${dir}/exec --pidfile ${dir}/dockerd.pid`,
            `-H ${host.dockerHost} --config-file ${dir}/daemon.json --cgroup-parent ${host.hostname}`,
        ].join(" ");
        const script = [`hostname ${host.hostname}`, ...mounts, dockerd].join(" && ");
        const daemon = spawn("ip", ["netns", "exec", `emqxlab${host.index}`, "unshare", "--uts", "sh", "-c", script], {
            stdio: ["ignore", "ignore", "ignore"],
            // No registry can be reached: a task uses the image the host has.
            env: { ...process.env, DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: "1" },
        });
        daemons.set(host.index, daemon);
        await until(() => spawnSync("docker", ["-H", host.dockerHost, "info"], { stdio: "ignore", timeout: 5000 }).status === 0, 30_000, `${host.hostname}'s dockerd did not answer`);
    };

    const remove = async () => {
        for (const host of hosts) {
            if (daemons.get(host.index)?.exitCode === null) quiet("docker", ["-H", host.dockerHost, "swarm", "leave", "--force"]);
        }
        await Promise.all(hosts.map((host) => stopDaemon(host.index)));
        for (const host of hosts) quiet("ip", ["netns", "del", `emqxlab${host.index}`]);
        quiet("ip", ["link", "del", bridge]);
        quiet("iptables", ["-D", chain, "-i", bridge, "-o", bridge, "-j", "ACCEPT"]);
        rmSync(root, { recursive: true, force: true });
    };
    const stopDaemon = async (index: number) => {
        const daemon = daemons.get(index);
        if (!daemon || daemon.exitCode !== null) return;
        const exited = new Promise((resolve) => daemon.once("exit", resolve));
        daemon.kill("SIGTERM");
        const timer = setTimeout(() => daemon.kill("SIGKILL"), 30_000);
        await exited;
        clearTimeout(timer);
    };

    try {
        run("ip", ["link", "add", bridge, "type", "bridge"]);
        run("ip", ["addr", "add", `${subnet}.254/24`, "dev", bridge]);
        run("ip", ["link", "set", bridge, "up"]);
        run("iptables", ["-I", chain, "1", "-i", bridge, "-o", bridge, "-j", "ACCEPT"]);
        for (const host of hosts) {
            const ns = `emqxlab${host.index}`;
            run("ip", ["netns", "add", ns]);
            run("ip", ["link", "add", `v${ns}`, "type", "veth", "peer", "name", "eth0", "netns", ns]);
            run("ip", ["link", "set", `v${ns}`, "master", bridge, "up"]);
            run("ip", ["netns", "exec", ns, "ip", "addr", "add", `${host.address}/24`, "dev", "eth0"]);
            run("ip", ["netns", "exec", ns, "ip", "link", "set", "eth0", "up"]);
            run("ip", ["netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
            run("mkdir", ["-p", path.join(root, host.hostname)]);
            writeFileSync(path.join(root, host.hostname, "daemon.json"), "{}");
        }
        await Promise.all(hosts.map(startDaemon));
        const saved = execFileSync("docker", ["save", image], { maxBuffer: 1024 * 1024 * 1024, timeout: 120_000 });
        for (const host of hosts) run("docker", ["-H", host.dockerHost, "load", "-q"], saved);
        docker(1, "swarm", "init", "--advertise-addr", hosts[0].address, "--listen-addr", `${hosts[0].address}:2377`);
        const token = docker(1, "swarm", "join-token", "-q", "worker");
        for (const host of hosts.slice(1)) docker(host.index, "swarm", "join", "--token", token, "--advertise-addr", host.address, "--listen-addr", `${host.address}:2377`, `${hosts[0].address}:2377`);
        await until(() => docker(1, "node", "ls", "--format", "{{.Status}}").split("\n").filter((s) => s === "Ready").length === 3, 30_000, "three nodes were not Ready");
    } catch (err) {
        await remove();
        throw err;
    }
    return {
        hosts,
        docker,
        stopHost: (index) => stopDaemon(index),
        startHost: (index) => startDaemon(hosts[index - 1]),
        remove,
    };
}
