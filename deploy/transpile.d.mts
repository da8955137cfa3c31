/** Types of transpile.mjs (plain JavaScript, as it runs from npm start before anything is compiled). */
export function transpileChanged(root: string, out: string): Promise<{ written: number; removed: number }>;
