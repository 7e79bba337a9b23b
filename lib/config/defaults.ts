/**
 * Every declared key's default. Pulumi.yaml declares the same ones for the stack (a test holds
 * them equal); a Deployment gives them to the arguments a program leaves out. Production-shaped:
 * Pulumi.dev.yaml turns the seed docker-compose setup back on.
 */
export const configDefaults = {
    image: "emqx/emqx:5.1.4",
    containerName: "ai4e_emqx",
    networkName: "ai4e_net",
    subnet: "172.20.0.0/16",
    containerIp: "172.20.0.117",
    nodes: 1,
    restart: "always",
    nodeName: "emqx@broker.ai4e.internal",
    bindAddress: "0.0.0.0",
    dashboardBindAddress: "127.0.0.1",
    mqttPort: 1883,
    mqttsPort: 8883,
    wsPort: 8083,
    wssPort: 8084,
    dashboardPort: 18083,
    logLevel: "warning",
    memoryMb: 2048,
    nofileLimit: 1048576,
    logMaxSize: "10m",
    logMaxFiles: 5,
    noNewPrivileges: true,
    keepVolumesOnDestroy: true,
    allowInsecureDefaults: false,
    dashboardUsername: "admin",
    dashboardPassword: "",
    nodeCookie: "",
    tlsCertificate: "",
    tlsPrivateKey: "",
    tlsCaCertificate: "",
    allowAnonymous: false,
    authorizationNoMatch: "auto",
    retainerStorage: "disc",
    engine: "docker",
    dockerHost: "",
    dockerCaCertificate: "",
    dockerCertificate: "",
    dockerKey: "",
    swarmSharedHosts: false,
    checkHost: "",
    checkTimeoutSeconds: 120,
} as const;

/** Keys of structured values (lists and maps, which Pulumi.yaml cannot declare): unset means empty. */
export const structuredKeys = ["mqttUsers", "mqttAcl", "emqxConfig", "swarmHosts"] as const;
