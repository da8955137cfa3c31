import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { crossDepartmentGrantSpec } from './cross-department-grant.ts';
import { customResourceDefinition, KINDS } from './definitions.ts';
import { departmentSpec } from './department.ts';
import { renderCrdYaml } from './render.ts';

type Schema = { description?: string; properties?: Record<string, Schema>; items?: Schema; [k: string]: unknown };

/** Paths of every property below spec and status that has no description. */
function undocumented(schema: Schema, path: string): string[] {
  const missing: string[] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const at = `${path}.${name}`;
    if (!child.description) missing.push(at);
    missing.push(...undocumented(child, at));
  }
  if (schema.items) missing.push(...undocumented(schema.items, `${path}[]`));
  return missing;
}

function refs(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((n, x) => n + refs(x), 0);
  if (node && typeof node === 'object') {
    return Object.entries(node).reduce((n, [k, v]) => n + (k === '$ref' ? 1 : refs(v)), 0);
  }
  return 0;
}

function examples(file: string): { kind: string; spec: unknown }[] {
  const text = readFileSync(fileURLToPath(new URL(`./examples/${file}`, import.meta.url)), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJS());
}

describe('crds', () => {
  for (const kind of KINDS) {
    const crd = customResourceDefinition(kind);
    const file = fileURLToPath(new URL(`./${crd.metadata.name}.yaml`, import.meta.url));

    it(`keeps ${crd.metadata.name}.yaml in step with the zod schema (run \`npm run crds\` when this fails)`, () => {
      expect(readFileSync(file, 'utf8')).toBe(renderCrdYaml(crd));
    });

    it(`documents every field of ${kind.kind} for kubectl explain`, () => {
      const root = crd.spec.versions[0]?.schema.openAPIV3Schema as Schema;
      const { spec, status } = root.properties as Record<string, Schema>;
      expect([...undocumented(spec as Schema, 'spec'), ...undocumented(status as Schema, 'status')]).toEqual([]);
    });

    it(`emits no $ref in ${kind.kind} (the API server refuses them)`, () => {
      expect(refs(crd)).toBe(0);
    });
  }

  it('accepts the example departments and grants with the same schema', () => {
    for (const doc of examples('departments.yaml').filter((d) => d.kind === 'Department'))
      expect(departmentSpec.safeParse(doc.spec).success).toBe(true);
    for (const doc of examples('grants.yaml')) expect(crossDepartmentGrantSpec.safeParse(doc.spec).success).toBe(true);
  });

  it('fills the documented defaults', () => {
    const spec = departmentSpec.parse({
      displayName: 'HR',
      adminEmail: 'a@example.com',
      enabledTools: [],
      llm: {},
      stt: { provider: 'deepgram' },
    });
    expect(spec).toMatchObject({
      deletionPolicy: 'Delete',
      suspend: false,
      llm: { provider: 'cerebras', temperature: 0.7 },
      stt: { model: 'nova-3' },
    });
  });
});
