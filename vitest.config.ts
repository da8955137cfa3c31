import { defineConfig } from 'vitest/config';

const integration = ['**/*.integration.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...integration, '**/*.fault.test.ts', '**/node_modules/**', 'dist/**'],
          // A few unit tests run a tool (dependency-cruiser, kubectl kustomize, the argocd CLI): on two shared,
          // busy cores those take seconds, not milliseconds.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: integration,
          exclude: ['**/node_modules/**', 'dist/**'],
          globalSetup: ['e2e/testenv/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          pool: 'forks',
        },
      },
    ],
  },
});
