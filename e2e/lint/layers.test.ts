import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../testenv/platform.ts';

/** A small tree in the repository's layout: each `bad` file breaks one rule, each `ok` file stays within them. */
const FIXTURE: Record<string, string[]> = {
  'crds/common.ts': [],
  'crds/department.ts': [],
  'crds/cross-department-grant.ts': [],
  'crds/bad.ts': ['../reconcilers/component.ts'],
  'controller/runtime/errors.ts': [],
  'controller/runtime/conditions.ts': ['../../crds/common.ts'],
  'controller/runtime/manager.ts': ['./errors.ts'],
  'controller/runtime/bad-contract.ts': ['../../reconcilers/component.ts'],
  'controller/runtime/bad-department.ts': ['../../crds/department.ts'],
  'controller/runtime/bad.ts': ['../../reconcilers/database/component.ts'],
  'controller/runtime/bad-platform.ts': ['../platform/kube/rest-client.ts'],
  'controller/runtime/bad-domain.ts': ['../department/reconciler.ts'],
  'controller/runtime/bad-types.ts': ['../../crds/cross-department-grant.ts'],
  'controller/department/reconciler.ts': ['../../reconcilers/component.ts', '../../crds/department.ts'],
  'controller/department/controller.ts': ['./reconciler.ts', '../runtime/manager.ts'],
  'controller/department/bad.ts': ['../../reconcilers/database/component.ts'],
  'controller/grant/reconciler.ts': ['../runtime/manager.ts', '../../crds/cross-department-grant.ts'],
  'controller/grant/bad.ts': ['../department/reconciler.ts'],
  'controller/platform/kube/rest-client.ts': ['../../runtime/errors.ts'],
  'controller/platform/kube/bad-contract.ts': ['../../../reconcilers/component.ts'],
  'controller/platform/kube/bad.ts': ['../../../e2e/testenv/platform.ts'],
  'controller/platform/kube/bad-domain.ts': ['../../grant/reconciler.ts'],
  'controller/main.ts': [
    './runtime/manager.ts',
    './department/controller.ts',
    './grant/reconciler.ts',
    '../reconcilers/database/component.ts',
  ],
  'reconcilers/component.ts': ['../controller/runtime/errors.ts', '../crds/department.ts'],
  'reconcilers/database/component.ts': ['../component.ts', '../../controller/platform/kube/rest-client.ts'],
  'reconcilers/workflows/component.ts': [],
  'reconcilers/database/bad-domain.ts': ['../../controller/grant/reconciler.ts'],
  'reconcilers/workflows/bad.ts': ['../../e2e/support/workflows.ts'],
  'reconcilers/oauth/bad.ts': ['../workflows/component.ts'],
  'reconcilers/oauth/bad-dev.ts': ['dev-only'],
  'reconcilers/oauth/oauth.test.ts': ['dev-only'],
  'reconcilers/runtime/bad.ts': ['../../controller/main.ts'],
  'reconcilers/runtime/bad-helper.ts': ['./testing/testbed.ts'],
  'reconcilers/runtime/testing/testbed.ts': [],
  'reconcilers/runtime/component.test.ts': ['../../e2e/support/workflows.ts'],
  'pulumi/bad.ts': ['../reconcilers/database/component.ts'],
  'gateway/ok.ts': ['../controller/platform/kube/rest-client.ts', '../crds/department.ts'],
  'gateway/bad.ts': ['../controller/runtime/manager.ts'],
  'gateway/bad-reconciler.ts': ['../reconcilers/database/component.ts'],
  'e2e/testenv/platform.ts': ['../../controller/main.ts'],
  'e2e/support/workflows.ts': ['../../reconcilers/workflows/component.ts'],
};

const EXPECTED = [
  ['controller/department/bad.ts', 'domain-controllers-know-no-component'],
  ['controller/grant/bad.ts', 'domain-controllers-stay-apart'],
  ['controller/platform/kube/bad-contract.ts', 'platform-pieces-are-shared'],
  ['controller/platform/kube/bad-domain.ts', 'domain-controllers-are-wired'],
  ['controller/platform/kube/bad-domain.ts', 'platform-pieces-are-shared'],
  ['controller/platform/kube/bad.ts', 'platform-pieces-are-shared'],
  ['controller/platform/kube/bad.ts', 'production-never-imports-e2e'],
  ['controller/runtime/bad-contract.ts', 'runtime-knows-no-domain'],
  ['controller/runtime/bad-department.ts', 'runtime-reads-no-domain-types'],
  ['controller/runtime/bad-domain.ts', 'domain-controllers-are-wired'],
  ['controller/runtime/bad-domain.ts', 'runtime-knows-no-domain'],
  ['controller/runtime/bad-platform.ts', 'runtime-knows-no-domain'],
  ['controller/runtime/bad-types.ts', 'runtime-reads-no-domain-types'],
  ['controller/runtime/bad.ts', 'runtime-knows-no-domain'],
  ['crds/bad.ts', 'crds-import-nothing-of-ours'],
  ['gateway/bad-reconciler.ts', 'gateway-imports-no-controller-internals'],
  ['gateway/bad.ts', 'gateway-imports-no-controller-internals'],
  ['pulumi/bad.ts', 'pulumi-is-a-library'],
  ['reconcilers/database/bad-domain.ts', 'components-are-not-wiring'],
  ['reconcilers/database/bad-domain.ts', 'domain-controllers-are-wired'],
  ['reconcilers/oauth/bad-dev.ts', 'shipped-code-uses-no-dev-dependencies'],
  ['reconcilers/oauth/bad.ts', 'components-do-not-import-each-other'],
  ['reconcilers/runtime/bad-helper.ts', 'production-never-imports-tests'],
  ['reconcilers/runtime/bad.ts', 'components-are-not-wiring'],
  ['reconcilers/runtime/bad.ts', 'nothing-imports-wiring'],
  ['reconcilers/workflows/bad.ts', 'components-are-not-wiring'],
  ['reconcilers/workflows/bad.ts', 'production-never-imports-e2e'],
];

interface Violation {
  from: string;
  rule: { name: string };
}

describe('npm run lint (dependency-cruiser layers)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fed-layers-'));
    for (const [file, imports] of Object.entries(FIXTURE)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      const body = imports.map((spec, i) => `import * as m${i} from '${spec}';\nvoid m${i};`).join('\n');
      writeFileSync(join(dir, file), `${body}\nexport const value = 1;\n`);
    }
    copyFileSync(join(REPO_ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    // A package only the tests may use: a devDependency, as @node-oauth/oauth2-server is here.
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ type: 'module', devDependencies: { 'dev-only': '1.0.0' } }),
    );
    mkdirSync(join(dir, 'node_modules', 'dev-only'), { recursive: true });
    writeFileSync(
      join(dir, 'node_modules', 'dev-only', 'package.json'),
      JSON.stringify({ name: 'dev-only', version: '1.0.0', main: 'index.js' }),
    );
    writeFileSync(join(dir, 'node_modules', 'dev-only', 'index.js'), 'export const value = 1;\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('does fail on each arrow that points the wrong way, and on nothing else', () => {
    const run = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
        ...['crds', 'controller', 'reconcilers', 'pulumi', 'gateway', 'e2e'],
        '--config',
        join(REPO_ROOT, '.dependency-cruiser.cjs'),
        '--output-type',
        'json',
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    const violations = (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
    const found = violations.map((v) => [v.from, v.rule.name]).sort((a, b) => a.join().localeCompare(b.join()));
    expect(found).toEqual(EXPECTED);
  });

  it('does pass on the repository itself', () => {
    const run = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
        ...['crds', 'controller', 'reconcilers', 'pulumi', 'gateway', 'e2e'],
        '--config',
        '.dependency-cruiser.cjs',
        '--output-type',
        'err',
      ],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    expect(run.stdout + run.stderr).toContain('no dependency violations found');
    expect(run.status).toBe(0);
  });
});
