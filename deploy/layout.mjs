// What the production build ships, shared by `npm run build` (deploy/build.mjs) and the local platform's
// incremental transpile (deploy/transpile.mjs): the same folders, the same files beside the code.

/** The folders compiled into dist/ (tests and tools inside them are left out). */
export const SHIPPED = ['crds', 'controller', 'reconcilers', 'pulumi', 'gateway'];

/** Files the code reads at run time by path: SQL migrations and journal, workflow templates, GraphQL, .mjs. */
export const ASSETS = new Set(['.sql', '.json', '.graphql', '.mjs']);

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
