import type * as pulumi from "@pulumi/pulumi";

/** An MQTT client account. */
export interface MqttUserArgs {
    /** The account's username. */
    username: string;
    /** Its password, at least 8 characters, always kept secret. */
    password: pulumi.Input<string>;
}

/** One MQTT authorization rule. */
export interface MqttAclRuleArgs {
    /** The account the rule is for; without it, the rule is for every client. */
    username?: string;
    /** `allow` or `deny`. */
    permission: string;
    /** `publish`, `subscribe` or `all`. */
    action: string;
    /** A topic filter, which may hold `${username}` and `${clientid}`, or `eq ` and a filter matched as written. */
    topic: string;
}

/** A Swarm host a node is pinned to. */
export interface SwarmHostArgs {
    /** The node's hostname as Swarm knows it (or give `label`). */
    hostname?: string;
    /** A node label `key=value` to pin to, instead of `hostname`. */
    label?: string;
    /** The address the check and the URLs dial (default the hostname). */
    address?: string;
    /** That host's own Docker engine, so its volumes are made and removed there; without it Swarm makes them and they outlive the deployment. */
    dockerHost?: string;
}

/**
 * Everything an EMQX deployment can be told: the stack's configuration keys, one argument each,
 * with the same defaults and the same rules. A bad argument fails before any resource, naming it.
 */
export interface DeploymentArgs {
    /** image, pinned to a tag or digest; `latest` and untagged are refused (default "emqx/emqx:5.1.4"). */
    image?: string;
    /** Docker container name (default "ai4e_emqx"). */
    containerName?: string;
    /** Docker bridge network name (default "ai4e_net"). */
    networkName?: string;
    /** IPAM subnet; the gateway takes the first host address (default "172.20.0.0/16"). */
    subnet?: string;
    /** fixed broker IP: inside the subnet, not its network, broadcast or gateway address (default "172.20.0.117"). */
    containerIp?: string;
    /** EMQX nodes in a static-discovery cluster, 1 (a single broker) to 9. Node 1 keeps every name, IP and port above; node k takes the next IP, the container name with `_k`, the node name's host with k (`emqx@broker2.ai4e.internal`) and MQTT and dashboard host ports shifted by k−1; all seed from node 1, so growing leaves running nodes untouched (default 1). */
    nodes?: number;
    /** `no`, `on-failure`, `always` or `unless-stopped` (default "always"). */
    restart?: string;
    /** EMQX node name, `name@host` (IP or fully qualified host); also the container's network alias. Keep it stable: the data volume is tied to it (default "emqx@broker.ai4e.internal"). */
    nodeName?: string;
    /** host interface of the MQTT ports 1883, 8883, 8083, 8084 (default "0.0.0.0"). */
    bindAddress?: string;
    /** host interface of the dashboard and REST API (default "127.0.0.1"). */
    dashboardBindAddress?: string;
    /** host port (1–65535, all different) for MQTT over TCP, container port 1883 (default 1883). */
    mqttPort?: number;
    /** host port for MQTT over TLS, container port 8883 (default 8883). */
    mqttsPort?: number;
    /** host port for MQTT over WebSocket, path /mqtt, container port 8083 (default 8083). */
    wsPort?: number;
    /** host port for MQTT over secure WebSocket, path /mqtt, container port 8084 (default 8084). */
    wssPort?: number;
    /** host port for the dashboard and REST API, container port 18083 (default 18083). */
    dashboardPort?: number;
    /** EMQX console log level (default "warning"). */
    logLevel?: string;
    /** container memory limit in MB, 0 for none (at least 256 otherwise) (default 2048). */
    memoryMb?: number;
    /** open-file ulimit per EMQX's tuning guide, 0 for Docker's default; at most the kernel's `fs.nr_open` (1048576), and before the broker is created a probe container proves the Docker daemon grants it (default 1048576). */
    nofileLimit?: number;
    /** json-file log rotation size, e.g. `10m`; `""` keeps Docker's default logging (default "10m"). */
    logMaxSize?: string;
    /** how many rotated json-file logs to keep (default 5). */
    logMaxFiles?: number;
    /** run with `no-new-privileges` (default true). */
    noNewPrivileges?: boolean;
    /** keep data and log volumes through `pulumi destroy` (default true). */
    keepVolumesOnDestroy?: boolean;
    /** accept EMQX's well-known password and cookie (dev only) (default false). */
    allowInsecureDefaults?: boolean;
    /** dashboard administrator, created on the first boot of a data volume (default "admin"). */
    dashboardUsername?: string;
    /** 8 to 64 printable ASCII characters of at least two kinds (letters, digits, others: EMQX's own rule for a changed password), not `public`, always kept secret. A change is applied through EMQX's API, without restarting the broker (default ""). */
    dashboardPassword?: pulumi.Input<string>;
    /** Erlang cookie, letters, digits, `_` and `-`; always kept secret; required unless `allowInsecureDefaults` (default ""). */
    nodeCookie?: pulumi.Input<string>;
    /** PEM server certificate (leaf first, then intermediates) for the 8883 and 8084 listeners; empty keeps the image's test certificates (outside dev, deploy warns) (default ""). */
    tlsCertificate?: string;
    /** unencrypted PEM key of `tlsCertificate`, always kept secret; must match the certificate (default ""). */
    tlsPrivateKey?: pulumi.Input<string>;
    /** PEM CA certificate(s) that signed `tlsCertificate`; given to EMQX and used by the check to verify (default ""). */
    tlsCaCertificate?: string;
    /** accept MQTT clients without credentials. A deployment without `mqttUsers` must say so, so that removing the last account never silently opens the broker; with accounts it is refused (default false). */
    allowAnonymous?: boolean;
    /** MQTT accounts in EMQX's built-in database (passwords always kept secret); with any, anonymous clients are refused, and accounts EMQX holds that are not listed are deleted (default none). */
    mqttUsers?: pulumi.Input<MqttUserArgs[]>;
    /** MQTT authorization rules, applied in order, first match wins; rules EMQX holds that are not listed are deleted (default none). */
    mqttAcl?: MqttAclRuleArgs[];
    /** what EMQX does with a publish or subscribe that no `mqttAcl` rule matches: `allow`, `deny`, or `auto` (deny with `mqttUsers` unless `allowInsecureDefaults`, else allow). With `deny` the rules replace EMQX's default `acl.conf` (which ends by allowing everything); with `allow` they come before it (default "auto"). */
    authorizationNoMatch?: string;
    /** where EMQX keeps retained messages: `disc` (on the data volume, so they survive a replaced container) or `ram` (EMQX's own default: lost with the container) (default "disc"). */
    retainerStorage?: string;
    /** Any other EMQX setting: configuration paths to values, e.g. `mqtt.max_packet_size: 1MB`, passed as `EMQX_*` environment variables; paths this component sets from its own arguments are refused (default none). */
    emqxConfig?: Record<string, string>;
    /** `docker` (one Docker engine) or `swarm` (a Docker Swarm: each node a service of one replica, pinned to its host in `swarmHosts`) (default "docker"). */
    engine?: string;
    /** the Docker engine, or Swarm manager, the deployment goes to: `unix:///path`, `tcp://host:port` (with `dockerCaCertificate`, `dockerCertificate` and `dockerKey` for TLS) or `ssh://[user@]host`; empty for the local engine (`DOCKER_HOST`, else its socket). Ports on all interfaces are dialled at its host (default ""). */
    dockerHost?: string;
    /** PEM CA of a `tcp://` `dockerHost`'s TLS (default ""). */
    dockerCaCertificate?: string;
    /** PEM client certificate for a `tcp://` `dockerHost` (default ""). */
    dockerCertificate?: string;
    /** PEM key of `dockerCertificate`, always kept secret (default ""). */
    dockerKey?: pulumi.Input<string>;
    /** On Swarm, one host per node, in order (default none). */
    swarmHosts?: SwarmHostArgs[];
    /** let two Swarm nodes share a host (then one host's loss takes both; their ports shift as on one engine) (default false). */
    swarmSharedHosts?: boolean;
    /** host the exported URLs dial; empty means 127.0.0.1 for ports on all interfaces, else the bind address (default ""). */
    checkHost?: string;
    /** how long the post-deploy check waits for a booting broker (default 120). */
    checkTimeoutSeconds?: number;
}
