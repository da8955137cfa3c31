import { stringify } from 'yaml';

export const GENERATED_HEADER = '# Generated from the zod schemas in crds/ by `npm run crds`. Do not edit.\n';

export function renderCrdYaml(crd: object): string {
  return GENERATED_HEADER + stringify(crd, { lineWidth: 0 });
}
