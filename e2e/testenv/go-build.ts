import { spawn } from 'node:child_process';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface GoBuild {
  /** Short name for progress lines. */
  label: string;
  workDir: string;
  goMod: string;
  /** Blank imports that keep `go mod tidy` from pruning the main package's module. */
  toolsImport?: string;
  /** A main package of the wrapper module itself (main.go), for a library without a command; pkg is then `.`. */
  mainSource?: string;
  pkg: string;
  ldflags?: string;
  /** Build tags (e.g. Prometheus' remove_all_sd, leaving out the cloud service-discovery SDKs). */
  tags?: string[];
  output: string;
}

/** Where build progress goes: stderr, unless a progress display (prepare-all.ts) sends it to a log file. */
export const buildOutput: { write(line: string): void } = { write: (line) => process.stderr.write(line) };

const goEnv = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod -buildvcs=false', CGO_ENABLED: '0' };

/** Runs `go` with its output streamed as progress lines prefixed by the build's label. */
export function go(args: string[], cwd: string, label: string): Promise<string> {
  return run('go', args, cwd, label);
}

/** Runs a build command (Go's environment) with its stderr streamed as progress lines prefixed by the label. */
export function run(command: string, args: string[], cwd: string, label: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: goEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let tail = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) buildOutput.write(`[${label}] ${line}\n`);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}) in ${cwd}:\n${tail}`));
    });
  });
}

/** Builds a Go main package from a generated wrapper module; the binary appears atomically. */
export async function buildGoBinary(b: GoBuild): Promise<void> {
  const started = Date.now();
  const ticker = setInterval(() => {
    buildOutput.write(`[${b.label}] still building (${Math.round((Date.now() - started) / 1000)} s)\n`);
  }, 30_000);
  try {
    await mkdir(b.workDir, { recursive: true });
    await writeFile(join(b.workDir, 'go.mod'), b.goMod);
    if (b.mainSource) await writeFile(join(b.workDir, 'main.go'), b.mainSource);
    else
      await writeFile(
        join(b.workDir, 'tools.go'),
        `//go:build tools\n\npackage tools\n\nimport _ "${b.toolsImport}"\n`,
      );
    buildOutput.write(`[${b.label}] resolving modules\n`);
    await go(['mod', 'tidy'], b.workDir, b.label);
    buildOutput.write(`[${b.label}] compiling ${b.pkg}\n`);
    const partial = `${b.output}.partial`;
    const args = ['build', '-o', partial];
    if (b.ldflags) args.push('-ldflags', b.ldflags);
    if (b.tags?.length) args.push('-tags', b.tags.join(','));
    await go([...args, b.pkg], b.workDir, b.label);
    await rename(partial, b.output);
    buildOutput.write(`[${b.label}] built in ${Math.round((Date.now() - started) / 1000)} s\n`);
  } finally {
    clearInterval(ticker);
    await rm(`${b.output}.partial`, { force: true });
  }
}
