/** Heading id for a lab file on the files page: "src/users.ts" -> "src-users-ts". */
export const fileAnchor = (file: string) => file.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
