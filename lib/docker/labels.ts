/** Docker labels that tie every resource to the Pulumi project and stack that own it. */
export function ownershipLabels(project: string, stack: string): { label: string; value: string }[] {
    return [
        { label: "com.pulumi.project", value: project },
        { label: "com.pulumi.stack", value: stack },
    ];
}
