/** Types for unit_launch.mjs, which tests import too. */
export function unitEnvironment(unitText: string): Record<string, string>;
export function unitExecStart(unitText: string): { node: string; nodeOptions: string[]; program: string; args: string[] };
