/**
 * `mqttAcl` (structured config: a list of rules) and `authorizationNoMatch`: who may publish and
 * subscribe where. Every problem names the key and the rule's index. Plain TypeScript.
 */
import { type AclProof, aclActions, aclProof, type AclRule, permissions, topicFilterProblem } from "../emqx/acl";
import type { ConfigReader } from "./configReader";

/** The authorization the stack sets up, resolved and checked. */
export interface Authorization {
    /** The rules, in configuration order. */
    mqttAcl: AclRule[];
    /** What EMQX does with a request no rule matches. */
    noMatch: "allow" | "deny";
    /** Whether the stack manages EMQX's authorization (rules, or a deny for unmatched requests); false leaves EMQX's defaults. */
    managed: boolean;
    /** What the post-deploy check proves of it; undefined when the stack leaves authorization to EMQX. */
    proof: AclProof | undefined;
}

const noMatchSettings = ["auto", "allow", "deny"] as const;
const example = "e.g. `pulumi config set --path 'mqttAcl[0].username' sensor`, `--path 'mqttAcl[0].permission' allow`, `--path 'mqttAcl[0].action' all`, `--path 'mqttAcl[0].topic' 'sensors/${username}/#'`";

/** What is wrong with rule `entry` (at mqttAcl[index]), if anything: the field to name and the message. */
function ruleProblem(entry: unknown, usernames: string[], label: (key: string) => string): { field?: string; message: string } | undefined {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return { message: `is not a rule {username?, permission, action, topic}; ${example}` };
    const { username, permission, action, topic, ...rest } = entry as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) return { field: unknown, message: "is not a field of a rule; a rule has username (optional: without it, the rule is for every client), permission, action and topic" };
    if (username !== undefined && (typeof username !== "string" || !usernames.includes(username))) {
        const known = usernames.length > 0 ? `one of ${label("mqttUsers")} (${usernames.join(", ")})` : `an account of ${label("mqttUsers")}, which has none`;
        return { field: "username", message: `is ${JSON.stringify(username)}, not ${known}; leave it out for a rule for every client` };
    }
    if (!permissions.includes(permission as never)) return { field: "permission", message: `is ${JSON.stringify(permission)}; expected allow or deny` };
    if (!aclActions.includes(action as never)) return { field: "action", message: `is ${JSON.stringify(action)}; expected publish, subscribe or all` };
    if (typeof topic !== "string") return { field: "topic", message: `is ${JSON.stringify(topic)}; expected a topic filter such as sensors/\${username}/#` };
    const problem = topicFilterProblem(topic);
    return problem ? { field: "topic", message: `"${topic}" ${problem}` } : undefined;
}

function parseRules(r: ConfigReader, accountNames: string[]): AclRule[] {
    const rules: AclRule[] = [];
    r.structured<unknown[]>("mqttAcl", [], `expected a list of rules; ${example}`).forEach((entry: unknown, index) => {
        const problem = ruleProblem(entry, accountNames, r.label);
        if (problem) r.fail(`mqttAcl[${index}]${problem.field ? `.${problem.field}` : ""}`, problem.message);
        else rules.push(entry as AclRule);
    });
    return rules;
}

/**
 * `mqttAcl` and `authorizationNoMatch` (`auto`: deny with accounts outside dev, else allow). Refuses
 * rules for unknown accounts, bad topic filters, a deny-by-default without a single allow (every
 * client locked out), and rules that leave the first account no topic the post-deploy check may use.
 */
export function validateAuthorization(r: ConfigReader, strict: boolean, accounts: { usernames: string[]; named: string[] }): Authorization {
    const { usernames } = accounts;
    const problemsBefore = r.problems.length;
    const mqttAcl = parseRules(r, accounts.named);
    const setting = r.oneOf("authorizationNoMatch", noMatchSettings);
    const noMatch = setting === "auto" ? (strict && usernames.length > 0 ? "deny" : "allow") : setting;
    const managed = mqttAcl.length > 0 || noMatch === "deny";
    if (!managed || r.problems.length > problemsBefore) return { mqttAcl, noMatch, managed, proof: undefined };
    const denyBecause = setting === "auto" ? `${r.label("authorizationNoMatch")} is auto, which is deny for a stack with accounts outside dev` : `${r.label("authorizationNoMatch")} is deny`;
    if (noMatch === "deny" && !mqttAcl.some((rule) => rule.permission === "allow")) {
        r.fail("mqttAcl", `has no rule that allows anything, and ${denyBecause}: every client would be refused every topic. Add allow rules, ${example}; or set authorizationNoMatch allow`);
        return { mqttAcl, noMatch, managed, proof: undefined };
    }
    const first = usernames[0];
    const proof = aclProof(mqttAcl, first, noMatch);
    if (proof === undefined) {
        const who = first === undefined ? "an anonymous client" : `${r.label("mqttUsers")}[0] (${first})`;
        r.fail("mqttAcl", `leaves ${who} no topic it may both publish and subscribe to (without \${clientid} in it), which the post-deploy check needs for its round trip; add an allow rule for it with action all`);
    }
    return { mqttAcl, noMatch, managed, proof };
}
