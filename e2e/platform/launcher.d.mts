/** Types of launcher.mjs (plain JavaScript, as e2e/bootstrap.mjs imports it). */
export function launcherArgs(root: string, log?: (line: string) => void): Promise<string[]>;
