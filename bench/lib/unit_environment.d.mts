/** Types for unit_environment.mjs, which tests import too. */
export function unitEnvironment(unitText: string): Record<string, string>;
