import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { type Copy, DockerfileParser, type Env, type JSONInstruction } from 'dockerfile-ast';

// dockerfile-ast (the parser behind the Dockerfile language server) does the lexing: continuation lines, flags,
// JSON and shell forms. This file only folds its instructions into stages as a build would see them.

/** One COPY: `--from` stage (none: the build context), sources as written, destination made absolute. */
export interface CopyStep {
  from?: string;
  sources: string[];
  dest: string;
}

/** One stage with what it inherits from a parent stage (`FROM runtime AS controller`) already folded in. */
export interface Stage {
  name: string;
  /** The image or stage it starts from, build arguments substituted. */
  base: string;
  /** Its own instructions, in order: the COPYs and RUNs with the WORKDIR each ran in. */
  steps: (({ kind: 'copy'; workdir: string } & CopyStep) | { kind: 'run'; workdir: string; command: string })[];
  workdir: string;
  env: Record<string, string>;
  user?: string;
  cmd?: string[];
}

export interface Dockerfile {
  args: Record<string, string>;
  stages: Stage[];
  stage(name: string): Stage;
  /** The stage and the stages it is built on, base first. */
  lineage(name: string): Stage[];
}

function substitute(text: string, args: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a, b) => args[a ?? b] ?? whole);
}

/** Reads a Dockerfile; `path` relative to the repository root or absolute. */
export function readDockerfile(path: string, root = ''): Dockerfile {
  const parsed = DockerfileParser.parse(readFileSync(join(root, path), 'utf8'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  for (const instruction of parsed.getInstructions()) {
    const keyword = instruction.getKeyword();
    const words = instruction.getArguments().map((a) => a.getValue());
    if (keyword === 'ARG' && !stage) {
      const [name, value = ''] = (words[0] ?? '').split('=');
      args[name as string] = value;
      continue;
    }
    if (keyword === 'FROM') {
      const base = substitute(words[0] as string, args);
      const parent = stages.find((s) => s.name === base);
      stage = {
        name: words[2] ?? String(stages.length),
        base,
        steps: [],
        workdir: parent?.workdir ?? '/',
        env: { ...parent?.env },
        user: parent?.user,
        cmd: parent?.cmd,
      };
      stages.push(stage);
      continue;
    }
    if (!stage) throw new Error(`${path}: ${keyword} before the first FROM`);
    if (keyword === 'WORKDIR') stage.workdir = posix.resolve(stage.workdir, words[0] as string);
    else if (keyword === 'ENV') {
      for (const p of (instruction as Env).getProperties()) stage.env[p.getName()] = p.getValue() ?? '';
    } else if (keyword === 'USER') stage.user = words[0];
    else if (keyword === 'CMD')
      stage.cmd = (instruction as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue());
    else if (keyword === 'RUN')
      stage.steps.push({ kind: 'run', workdir: stage.workdir, command: instruction.getArgumentsContent() ?? '' });
    else if (keyword === 'COPY') {
      const dest = words.at(-1) as string;
      stage.steps.push({
        kind: 'copy',
        workdir: stage.workdir,
        from: (instruction as Copy).getFromFlag()?.getValue() ?? undefined,
        sources: words.slice(0, -1),
        // A trailing slash means "into this directory"; posix.resolve drops it, so it is kept.
        dest: posix.resolve(stage.workdir, dest) + (dest.endsWith('/') && dest !== '/' ? '/' : ''),
      });
    }
  }
  const stageNamed = (name: string) => {
    const found = stages.find((s) => s.name === name);
    if (!found) throw new Error(`${path} has no stage ${name}`);
    return found;
  };
  const lineage = (name: string): Stage[] => {
    const s = stageNamed(name);
    return stages.some((p) => p.name === s.base) ? [...lineage(s.base), s] : [s];
  };
  return { args, stages, stage: stageNamed, lineage };
}

/** The .dockerignore of a build context as a test on context-relative paths (`*`, `**`, `?`; no `!` exceptions). */
export function dockerignore(root: string): (relativePath: string) => boolean {
  let text = '';
  try {
    text = readFileSync(join(root, '.dockerignore'), 'utf8');
  } catch {
    return () => false;
  }
  const patterns = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((glob) => {
      if (glob.startsWith('!')) throw new Error(`.dockerignore exceptions (${glob}) are not read here`);
      const source = glob
        .replace(/^\/+|\/+$/g, '')
        .replace(/[.+^$()|[\]{}]/g, '\\$&')
        .replace(
          /\*\*\/|\*\*|\*|\?/g,
          (m) => ({ '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' })[m] as string,
        );
      return new RegExp(`^${source}(?:/.*)?$`);
    });
  return (relativePath) => patterns.some((p) => p.test(relativePath));
}
