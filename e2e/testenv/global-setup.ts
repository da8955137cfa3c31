import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startPlatform } from './platform.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    databaseUrl: string;
  }
}

/** One real API server and Postgres for the integration project, with the CRDs installed. */
export default async function setup(project: TestProject) {
  const platform = await startPlatform({ installCrds: true, log: (l) => console.log(`[testenv] ${l}`) });
  project.provide('kubeconfig', platform.kubeconfig);
  project.provide('databaseUrl', platform.databaseUrl);
  return () => platform.stop();
}
