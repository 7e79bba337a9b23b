/**
 * MQTT authorization as EMQX 5.1's built-in database source understands it: rules per username
 * and for all clients, each `permission` for an `action` on a topic filter that may hold
 * `${username}` and `${clientid}`, or `eq ` before a filter matched as written (emqx_authz_rule).
 * A client's request takes the verdict of the first rule that matches it, its username's rules
 * before the rules for all; with none, `authorization.no_match` decides. Plain TypeScript.
 */

/** One rule as the stack configures it; without `username` it is for every client. */
export interface AclRule {
    /** The account it is for; undefined for all clients. */
    username?: string;
    permission: "allow" | "deny";
    action: "publish" | "subscribe" | "all";
    /** A topic filter (`+`, `#`, `${username}`, `${clientid}`), or `eq ` and a filter matched literally. */
    topic: string;
}

export const permissions = ["allow", "deny"] as const;
export const aclActions = ["publish", "subscribe", "all"] as const;

/** What is wrong with a topic filter of a rule, or undefined. */
export function topicFilterProblem(topic: string): string | undefined {
    const literal = topic.startsWith("eq ");
    const filter = literal ? topic.slice(3) : topic;
    if (filter === "") return literal ? "has nothing after `eq `" : "is empty";
    if (filter.length > 65535) return "is longer than MQTT's 65535 bytes";
    if (/\u0000/.test(filter)) return "holds a NUL character";
    if (literal) return undefined;
    const levels = filter.split("/");
    for (const [i, level] of levels.entries()) {
        if (level.includes("#") && (level !== "#" || i !== levels.length - 1)) return "has `#` other than as its whole last level";
        if (level.includes("+") && level !== "+") return "has `+` other than as a whole level";
        const unknown = level.replace(/\$\{(username|clientid)\}/g, "").match(/\$\{[^}]*\}/);
        if (unknown) return `has the placeholder ${unknown[0]}; EMQX knows \${username} and \${clientid}`;
    }
    return undefined;
}

/** Whether the concrete topic `topic` matches the filter `filter` (MQTT's `+` and `#`). */
function matches(filter: string, topic: string): boolean {
    const f = filter.split("/");
    const t = topic.split("/");
    // A filter starting with a wildcard does not match a topic starting with `$` (MQTT 4.7.2).
    if (t[0].startsWith("$") && (f[0] === "+" || f[0] === "#")) return false;
    for (let i = 0; i < f.length; i++) {
        if (f[i] === "#") return true;
        if (i >= t.length || (f[i] !== "+" && f[i] !== t[i])) return false;
    }
    return f.length === t.length;
}

/** The rules EMQX consults for `username`, in its order: that username's, then those for all. */
export function rulesFor(rules: AclRule[], username: string | undefined): { rule: AclRule; index: number }[] {
    const indexed = rules.map((rule, index) => ({ rule, index }));
    return [...indexed.filter(({ rule }) => username !== undefined && rule.username === username), ...indexed.filter(({ rule }) => rule.username === undefined)];
}

/** The verdict on a client's `action` on the concrete `topic`, and the rule that gave it (undefined: no rule matched). */
export function verdict(
    rules: AclRule[],
    client: { username?: string; clientId: string },
    action: "publish" | "subscribe",
    topic: string,
    noMatch: "allow" | "deny",
): { permission: "allow" | "deny"; index?: number } {
    for (const { rule, index } of rulesFor(rules, client.username)) {
        if (rule.action !== "all" && rule.action !== action) continue;
        const literal = rule.topic.startsWith("eq ");
        const hit = literal
            ? rule.topic.slice(3) === topic
            : matches(rule.topic.replaceAll("${username}", client.username ?? "").replaceAll("${clientid}", client.clientId), topic);
        if (hit) return { permission: rule.permission, index };
    }
    return { permission: noMatch };
}

/**
 * A topic the rule's filter matches for `username`, wildcards filled with `fill`; undefined for one
 * that names the client id. An `eq` filter is its own match, and a subscription may name it as it is.
 */
function instance(topic: string, username: string | undefined, fill: string, forSubscribe = false): string | undefined {
    if (topic.startsWith("eq ")) return forSubscribe || !/[+#]/.test(topic.slice(3)) ? topic.slice(3) : undefined;
    if (topic.includes("${clientid}") || (topic.includes("${username}") && username === undefined)) return undefined;
    return topic
        .replaceAll("${username}", username ?? "")
        .split("/")
        .map((level) => (level === "+" || level === "#" ? fill : level))
        .join("/");
}

/** What the post-deploy check does with authorization: the topic of its round trip, and a request the rules refuse. */
export interface AclProof {
    /** A concrete topic the account may publish and subscribe to, with `FILL` where a wildcard stood. */
    roundTripTopic: string;
    /** A subscription or publish the rules refuse, and why, in words for the deploy log. */
    refused?: { action: "subscribe" | "publish"; topic: string; because: string };
}

/** Marks where a wildcard stood in a chosen topic; the check puts a fresh random level there. */
export const fillMark = "FILL";

/**
 * Picks what the post-deploy check proves for `username` (the first account) under `rules`: a
 * topic it may both publish and subscribe to (the rule order as EMQX applies it; with none, the
 * check's own `emqx-check/FILL` when no_match allows it), and a request a rule or no_match
 * refuses. Undefined when the account may use no topic at all, which the check could not prove.
 */
export function aclProof(rules: AclRule[], username: string | undefined, noMatch: "allow" | "deny"): AclProof | undefined {
    const client = { username, clientId: "emqx-check" };
    const may = (action: "publish" | "subscribe", topic: string) => verdict(rules, client, action, topic, noMatch).permission === "allow";
    const applicable = rulesFor(rules, username);
    const candidates = [...applicable.filter(({ rule }) => rule.permission === "allow").map(({ rule }) => instance(rule.topic, username, fillMark)), `emqx-check/${fillMark}`];
    const roundTripTopic = candidates.find((topic): topic is string => topic !== undefined && may("publish", topic) && may("subscribe", topic));
    if (roundTripTopic === undefined) return undefined;
    for (const { rule, index } of applicable.filter(({ rule }) => rule.permission === "deny")) {
        const because = `emqx:mqttAcl[${index}] denies it`;
        const subscription = instance(rule.topic, username, fillMark, true);
        if (rule.action !== "publish" && subscription !== undefined && !may("subscribe", subscription)) return { roundTripTopic, refused: { action: "subscribe", topic: subscription, because } };
        const publication = instance(rule.topic, username, fillMark);
        if (rule.action !== "subscribe" && publication !== undefined && !may("publish", publication)) return { roundTripTopic, refused: { action: "publish", topic: publication, because } };
    }
    const unlisted = `emqx-check/unlisted/${fillMark}`;
    if (!may("subscribe", unlisted)) return { roundTripTopic, refused: { action: "subscribe", topic: unlisted, because: "no rule allows it (authorization.no_match is deny)" } };
    return { roundTripTopic };
}

/** A rule as EMQX's API takes it for a username or for all. */
export interface EmqxRule {
    topic: string;
    permission: string;
    action: string;
}

/** The configured rules by username (for EMQX's `rules/users`) and for all clients (`rules/all`), in configuration order. */
export function emqxRules(rules: AclRule[]): { users: Map<string, EmqxRule[]>; all: EmqxRule[] } {
    const users = new Map<string, EmqxRule[]>();
    const all: EmqxRule[] = [];
    for (const { username, topic, permission, action } of rules) {
        const list = username === undefined ? all : (users.get(username) ?? users.set(username, []).get(username)!);
        list.push({ topic, permission, action });
    }
    return { users, all };
}
