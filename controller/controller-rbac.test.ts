import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { departmentController } from './department/controller.ts';
import { grantController } from './grant/controller.ts';
import { MANAGER_RBAC } from './runtime/manager.ts';
import type { ControllerRegistration, PolicyRule } from './runtime/registration.ts';

const registrations: ControllerRegistration[] = [
  departmentController({ components: [] }) as unknown as ControllerRegistration,
  grantController({ syncers: [] }) as unknown as ControllerRegistration,
];

/** Every (apiGroup, resource, verb) a set of rules grants, as `group/resource:verb`. */
function permissions(rules: PolicyRule[]): string[] {
  return rules.flatMap((r) =>
    r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))),
  );
}

/** The rules of the controller's ClusterRole and its leader-election Role in the install. */
function installedRules(): PolicyRule[] {
  const text = readFileSync(new URL('../deploy/base/controller-rbac.yaml', import.meta.url), 'utf8');
  return parseAllDocuments(text)
    .map((d) => d.toJS() as { kind: string; metadata: { name: string }; rules?: PolicyRule[] })
    .filter(
      (d) => (d.kind === 'ClusterRole' || d.kind === 'Role') && d.metadata.name.startsWith('federation-controller'),
    )
    .flatMap((d) => d.rules ?? []);
}

/** The group and resource a collection path names: /apis/<group>/<version>/<resource> or /api/v1/<resource>. */
function resourceOf(path: string): { group: string; resource: string } {
  const core = path.match(/^\/api\/v1\/([^/]+)$/);
  if (core) return { group: '', resource: core[1] as string };
  const named = path.match(/^\/apis\/([^/]+)\/[^/]+\/([^/]+)$/);
  if (!named) throw new Error(`not a collection path: ${path}`);
  return { group: named[1] as string, resource: named[2] as string };
}

function missing(needed: string[], granted: string[]): string[] {
  const grants = new Set(granted);
  return needed.filter((p) => {
    const [groupResource, verb] = p.split(':') as [string, string];
    const [group] = groupResource.split('/') as [string];
    return ![p, `${groupResource}:*`, `${group}/*:${verb}`, `*/*:*`].some((g) => grants.has(g));
  });
}

describe('controller RBAC', () => {
  it('does grant in deploy/base/controller-rbac.yaml every rule the manager and the controllers declare', () => {
    const declared = [...MANAGER_RBAC, ...registrations.flatMap((r) => r.rbac)];
    expect(missing(permissions(declared), permissions(installedRules()))).toEqual([]);
  });

  it.each(registrations.map((r) => [r.name, r] as const))(
    'does declare list and watch beside every kind the %s controller caches',
    (_name, registration) => {
      const watched = [registration.forPath, ...registration.watches.map((w) => w.path)].map(resourceOf);
      const needed = watched.flatMap(({ group, resource }) => [
        `${group}/${resource}:list`,
        `${group}/${resource}:watch`,
      ]);
      expect(missing(needed, permissions(registration.rbac))).toEqual([]);
    },
  );

  it('does notice a watch whose rule is not declared', () => {
    const rbac = permissions([{ apiGroups: [''], resources: ['secrets'], verbs: ['list', 'watch'] }]);
    expect(missing(['/configmaps:list'], rbac)).toEqual(['/configmaps:list']);
    expect(missing(['/secrets:watch'], rbac)).toEqual([]);
  });
});
