/** Types of transpile.mjs (plain JavaScript, as it runs from npm start before anything is compiled). */
export function transpileChanged(root: string, out: string): Promise<{ written: number; removed: number }>;
export function transpileLocked(root: string, out: string, log?: (line: string) => void): Promise<void>;
