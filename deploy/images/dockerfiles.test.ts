import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CopyStep, dockerignore, readDockerfile, type Stage } from '../../e2e/testenv/dockerfile.ts';
import { REPO_ROOT } from '../../e2e/testenv/repo-root.ts';

const DOCKERFILES = ['deploy/images/Dockerfile', 'agent-image/Dockerfile'];
const ignored = dockerignore(REPO_ROOT);

/** Where a file of the build context lands in the stage (the last COPY that carries it), if any COPY does. */
function landsAt(stage: Stage, file: string): string | undefined {
  let at: string | undefined;
  for (const step of stage.steps) {
    if (step.kind !== 'copy' || step.from || ignored(file)) continue;
    for (const source of step.sources.map((s) => s.replace(/\/$/, ''))) {
      const dir = statSync(join(REPO_ROOT, source)).isDirectory();
      if (dir && file.startsWith(`${source}/`)) at = posix.join(step.dest, file.slice(source.length + 1));
      else if (!dir && file === source)
        at = step.dest.endsWith('/') ? posix.join(step.dest, posix.basename(file)) : step.dest;
    }
  }
  return at;
}

/** What a RUN line writes, for the RUN lines the Dockerfiles use; any other fails the test until it is added here. */
function written(run: { workdir: string; command: string }): string[] {
  const command = run.command.split('&&')[0]?.trim() as string;
  if (/^npm ci\b/.test(command)) return [posix.join(run.workdir, 'node_modules')];
  const build = /^npm run build(?: --workspace (\S+))?$/.exec(command);
  if (build) return [posix.join(run.workdir, build[1] ?? '', 'dist')];
  const script = /^(\S+\.sh) (\S+)$/.exec(command);
  if (script) return [script[2] as string];
  throw new Error(`no rule here says what RUN ${run.command} writes`);
}

/** The modules a build script loads, itself included (relative imports, followed). */
function importClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const [, spec] of readFileSync(join(REPO_ROOT, file), 'utf8').matchAll(/from '(\.\.?\/[^']+)'/g)) {
    importClosure(posix.join(posix.dirname(file), spec as string), seen);
  }
  return seen;
}

/** The tsconfig files a build reads: the one named and those it extends. */
function tsconfigChain(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const parent = /"extends":\s*"([^"]+)"/.exec(text)?.[1];
  return [file, ...(parent ? tsconfigChain(posix.join(posix.dirname(file), parent)) : [])];
}

describe.each(DOCKERFILES)('%s', (path) => {
  const dockerfile = readDockerfile(path, REPO_ROOT);
  const copies = dockerfile.stages.flatMap((stage) =>
    stage.steps
      .filter((s): s is CopyStep & { kind: 'copy'; workdir: string } => s.kind === 'copy')
      .map((copy) => ({ stage, copy })),
  );

  it('copies from the build context only files that exist and that .dockerignore leaves in', () => {
    const missing = copies
      .filter(({ copy }) => !copy.from)
      .flatMap(({ copy }) => copy.sources)
      .filter((source) => !existsSync(join(REPO_ROOT, source)) || ignored(source.replace(/\/$/, '')));
    expect(missing).toEqual([]);
  });

  it('copies from another stage only what that stage wrote', () => {
    const unwritten = copies
      .filter(({ copy }) => copy.from)
      .flatMap(({ copy }) => {
        const writes = dockerfile
          .lineage(copy.from as string)
          .flatMap((stage) =>
            stage.steps.flatMap((step) => (step.kind === 'run' ? written(step) : [step.dest.replace(/\/$/, '')])),
          );
        return copy.sources.filter(
          (source) => !writes.some((w) => w === source || w.startsWith(`${source}/`) || source.startsWith(`${w}/`)),
        );
      });
    expect(unwritten).toEqual([]);
  });

  it('gives the build stage every file its `npm run build` reads, where the build expects it', () => {
    const build = dockerfile.stage('build');
    const run = build.steps.find((s) => s.kind === 'run' && s.command.startsWith('npm run build'));
    expect(run).toBeDefined();
    const workspace = /--workspace (\S+)/.exec(run?.kind === 'run' ? run.command : '')?.[1] ?? '.';
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, workspace, 'package.json'), 'utf8'));
    const script = /^node (\S+\.mjs)$/.exec(manifest.scripts.build)?.[1];
    expect(script, `${workspace}/package.json's build script is "node <file>.mjs"`).toBeDefined();
    const tsconfig = workspace === '.' ? 'tsconfig.build.json' : `${workspace}/tsconfig.build.json`;
    const tsconfigText = readFileSync(join(REPO_ROOT, tsconfig), 'utf8');
    const included = JSON.parse(/"include":\s*(\[[^\]]*\])/.exec(tsconfigText)?.[1] ?? '[]') as string[];
    const needed = [
      posix.join(workspace, 'package.json'),
      ...importClosure(posix.join(workspace, script as string)),
      ...tsconfigChain(tsconfig),
      ...included.map((dir) => posix.join(dirname(tsconfig), dir, '.')),
    ].map((f) => posix.normalize(f));
    const misplaced = needed.filter((file) => {
      const probe = statSync(join(REPO_ROOT, file)).isDirectory() ? `${file}/${sample(file)}` : file;
      return landsAt(build, probe) !== posix.join(build.workdir, probe);
    });
    expect(misplaced).toEqual([]);
  });

  it('runs each image it builds (a stage nothing builds on or copies from) as a numeric non-root user, with a CMD', () => {
    const used = (s: Stage) =>
      dockerfile.stages.some(
        (o) => o.base === s.name || o.steps.some((st) => st.kind === 'copy' && st.from === s.name),
      );
    const images = dockerfile.stages.filter((s) => !used(s));
    expect(images.length).toBeGreaterThan(0);
    for (const stage of images) {
      expect(stage.user, stage.name).toMatch(/^[1-9]\d*:[1-9]\d*$/);
      expect(stage.cmd?.[0], stage.name).toBe('node');
    }
  });
});

/** Some file in a folder the build compiles, to check where the folder lands. */
function sample(dir: string): string {
  // A file the build reads: tests are not copied into the image (.dockerignore).
  const first = readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).find(
    (e) => e.isFile() && !e.name.endsWith('.test.ts'),
  );
  return first?.name ?? '';
}
