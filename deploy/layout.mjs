// What the production build ships, shared by `npm run build` (deploy/build.mjs) and the local platform's
// incremental transpile (deploy/transpile.mjs): the same folders, the same files beside the code.

/** The folders compiled into dist/ (tests and tools inside them are left out). */
export const SHIPPED = ['crds', 'controller', 'reconcilers', 'pulumi', 'gateway'];

/**
 * The local platform's build (deploy/transpile.mjs): the shipped folders and e2e/, whose launcher (npm start) runs
 * from it too. e2e/'s tests and tools are transpiled with it but never run from it.
 */
export const LOCAL_BUILD_FOLDERS = [...SHIPPED, 'e2e'];

/**
 * Files the code reads at run time by path: SQL migrations and journal, workflow templates, GraphQL, .mjs (and in
 * e2e/, the .cjs preload n8n runs with).
 */
export const ASSETS = new Set(['.sql', '.json', '.graphql', '.mjs', '.cjs']);

/** Sources of tsconfig.build.json's "exclude": tests and build-time tools. */
export function isExcludedSource(relativePath) {
  return (
    relativePath.endsWith('.test.ts') ||
    relativePath.endsWith('.d.ts') ||
    ['crds/generate.ts', 'crds/render.ts'].includes(relativePath) ||
    relativePath.endsWith('/drizzle.config.ts')
  );
}

/** The Pulumi provider plugin's launcher (an executable without extension). */
export function isPluginLauncher(path) {
  return /\/bin\/pulumi-resource-[a-z]+$/.test(path);
}
