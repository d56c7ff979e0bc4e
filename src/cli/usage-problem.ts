/** A problem with what the user asked for (exit code 2), not with the cache. */
export class UsageProblem extends Error {}
