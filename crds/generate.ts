import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { customResourceDefinition, KINDS } from './definitions.ts';
import { renderCrdYaml } from './render.ts';

for (const kind of KINDS) {
  const crd = customResourceDefinition(kind);
  const file = fileURLToPath(new URL(`./${crd.metadata.name}.yaml`, import.meta.url));
  writeFileSync(file, renderCrdYaml(crd));
  console.log(`wrote ${file}`);
}
