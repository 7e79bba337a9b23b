/** Shapes the configuration hands on: a published listener and an MQTT account. */

/** One published EMQX listener. */
export interface PortBinding {
    /** The config key that sets the host port. */
    key: string;
    /** What the port serves, for humans. */
    purpose: string;
    /** The port inside the container. */
    containerPort: number;
    /** The port published on the host. */
    hostPort: number;
    /** The host interface the port is published on. */
    hostIp: string;
}

/** An MQTT client account in EMQX's built-in database. */
export interface MqttUser {
    username: string;
    password: string;
}
