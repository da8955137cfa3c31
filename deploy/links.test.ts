import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const TOP_LEVEL = ['crds', 'controller', 'reconcilers', 'pulumi', 'gateway', 'agent-image', 'deploy', 'e2e'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'testdata' ? [] : filesUnder(path);
    return /\.(ya?ml|md|sh|ts|lua)$/.test(name) ? [path] : [];
  });
}

/** Repository paths a file names: `deploy/base/...`, `gateway/README.md`, and relative Markdown links. */
function mentionedPaths(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const repoPaths = [...text.matchAll(new RegExp(`(?<![\\w./-])((?:${TOP_LEVEL.join('|')})/[\\w./-]*[\\w/])`, 'g'))]
    .map((m) => m[1] as string)
    .filter((p) => !p.includes('<'));
  const links = file.endsWith('.md')
    ? [...text.matchAll(/\]\((?!https?:|#)([^)#\s]+)/g)].map((m) => relative(ROOT, join(dirname(file), m[1] as string)))
    : [];
  return [...repoPaths, ...links];
}

// The images (deploy/images) come from the production-build branch; their mentions are checked once they exist.
const pending = (path: string) => path.startsWith('deploy/images') && !existsSync(join(DEPLOY, 'images'));

describe('deploy links', () => {
  const files = [...filesUnder(DEPLOY), join(ROOT, 'README.md'), join(ROOT, 'gateway', 'main.ts')];

  it.each(files.map((f) => relative(ROOT, f)))('%s names only paths that exist', (file) => {
    const missing = mentionedPaths(join(ROOT, file)).filter(
      (p) => !pending(p) && !existsSync(join(ROOT, p.replace(/\/$/, ''))),
    );
    expect(missing).toEqual([]);
  });

  it('finds the gateway README the gateway manifest points to', () => {
    expect(mentionedPaths(join(DEPLOY, 'base', 'gateway.yaml'))).toContain('gateway/README.md');
  });
});
