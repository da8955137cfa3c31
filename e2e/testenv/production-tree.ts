import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { type CopyStep, type Dockerfile, dockerignore, readDockerfile, type Stage } from './dockerfile.ts';
import { ensurePulumiCli } from './pulumi-cli.ts';
import { REPO_ROOT } from './repo-root.ts';

export const DOCKERFILE = 'deploy/images/Dockerfile';
/** The images deploy/images/Dockerfile builds (its targets), each one process. */
export const TARGETS = ['controller', 'gateway'] as const;
export type Target = (typeof TARGETS)[number];

/** What deploy/images/Dockerfile puts in its images, installed in a fresh directory of this machine. */
export interface ProductionTree {
  /** The images' filesystem root: their paths (/app, /opt/pulumi, ...) lie under it. */
  base: string;
  /** The images' WORKDIR (/app): package.json, node_modules (production only), dist/. */
  root: string;
  /** The runtime stage's USER, which the processes run as here too. */
  user: { uid: number; gid: number };
  /** Each target's CMD (its paths in the tree, `node` this Node.js) and ENV (its paths in the tree). */
  targets: Record<Target, { args: string[]; env: Record<string, string> }>;
  /** Seconds each step took, and the sizes of the install and of dist/ (du -sk). */
  report: { buildSeconds: number; installSeconds: number; installKiB: number; distKiB: number };
  remove(): void;
}

function step(command: string, args: string[], cwd: string): void {
  const run = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${run.stdout}\n${run.stderr}`);
}

function kib(path: string): number {
  return Number(spawnSync('du', ['-sk', path], { encoding: 'utf8' }).stdout.split('\t')[0]);
}

/** An image path inside a directory standing for that image's root. */
const at = (root: string, imagePath: string) => join(root, imagePath);

/** Docker's COPY: a directory's contents go into the destination; a file into it (trailing /) or to it. */
function copy(source: string, destination: string, keep: (path: string) => boolean = () => true): void {
  const into =
    destination.endsWith('/') && !statSync(source).isDirectory() ? join(destination, basename(source)) : destination;
  mkdirSync(statSync(source).isDirectory() ? into : dirname(into), { recursive: true });
  cpSync(source, into, { recursive: true, verbatimSymlinks: true, filter: keep });
}

/**
 * Runs the Dockerfile's stages in directories of this machine. COPY and WORKDIR are done as a build does them; the
 * RUN lines the Dockerfile has are each done the way this machine can, and any other RUN stops the install until
 * it is taught here, so the tree never silently differs from the image.
 */
class StageRunner {
  private readonly roots = new Map<string, string>();
  private readonly ignored = dockerignore(REPO_ROOT);
  readonly seconds: Record<string, number> = {};

  constructor(
    private readonly dockerfile: Dockerfile,
    private readonly scratch: string,
  ) {}

  /** The stage's filesystem, built on first use (a stage built on another stage is not needed here). */
  async root(name: string): Promise<string> {
    const known = this.roots.get(name);
    if (known) return known;
    const stage = this.dockerfile.stage(name);
    if (this.dockerfile.lineage(name).length > 1) throw new Error(`stage ${name} is built on a stage: not run here`);
    const root = join(this.scratch, name);
    mkdirSync(root);
    const started = Date.now();
    await this.apply(stage, root);
    this.seconds[name] = (Date.now() - started) / 1000;
    this.roots.set(name, root);
    return root;
  }

  async apply(stage: Stage, root: string): Promise<void> {
    mkdirSync(at(root, stage.workdir), { recursive: true });
    for (const s of stage.steps) {
      if (s.kind === 'copy') await this.copy(s, root);
      else await this.run(stage, s.command, root, s.workdir);
    }
  }

  private async copy(s: CopyStep, root: string): Promise<void> {
    for (const source of s.sources) {
      if (s.from) {
        const from = at(await this.root(s.from), source);
        if (!existsSync(from)) throw new Error(`stage ${s.from} wrote no ${source} (COPY --from=${s.from})`);
        copy(from, at(root, s.dest));
      } else {
        copy(join(REPO_ROOT, source), at(root, s.dest), (path) => !this.ignored(relative(REPO_ROOT, path)));
      }
    }
  }

  private async run(stage: Stage, command: string, root: string, workdir: string): Promise<void> {
    const cwd = at(root, workdir);
    // `npm cache clean` only trims the image's layer; here it would empty this machine's npm cache.
    const [main = '', ...rest] = command.split('&&').map((part) => part.trim());
    if (rest.some((part) => part !== 'npm cache clean --force')) throw new Error(`RUN ${command}: not run here`);
    const words = main.split(/\s+/);
    const script = /^(\S+)\/build\.sh (\S+)$/.exec(main);
    if (main.startsWith('npm ci ') && words.includes('--omit=dev')) {
      step('npm', [...words.slice(1), '--loglevel=error'], cwd);
    } else if (main.startsWith('npm ci ')) {
      // The dev install only serves the build stage's compile: the checkout's own install (same lockfile) does.
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(cwd, 'node_modules'));
    } else if (/^npm run build( --workspace \S+)?$/.test(main)) {
      step('npm', [...words.slice(1), '--silent'], cwd);
    } else if (
      script &&
      stage.steps.some(
        (s) => s.kind === 'copy' && s.dest === `${script[1]}/` && s.sources.includes('deploy/images/pulumi/'),
      )
    ) {
      // deploy/images/pulumi/build.sh, the script ensurePulumiCli runs too (its output cached in ~/.cache/federation).
      copy((await ensurePulumiCli()).pulumi, at(root, script[2] as string));
    } else {
      throw new Error(`RUN ${command} (stage ${stage.name}): not run here`);
    }
  }
}

/**
 * The controller's writable volume as deploy/base mounts it (an emptyDir under the read-only root) and the settings
 * its ConfigMap points into it (HOME, PULUMI_HOME, RUNTIME_WORK_DIR). The image's user has no passwd entry, so HOME
 * from there is the only home directory it has.
 */
function deployedVolume(): { mountPath: string; env: Record<string, string> } {
  const dir = join(REPO_ROOT, 'deploy/base');
  const pod = parseAllDocuments(readFileSync(join(dir, 'controller.yaml'), 'utf8'))
    .map((d) => d.toJS())
    .find((o) => o?.kind === 'Deployment' && o.metadata?.name === 'federation-controller')?.spec.template.spec;
  const literals: string[] =
    parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')).configMapGenerator?.find(
      (g: { name: string }) => g.name === 'federation-controller',
    )?.literals ?? [];
  const settings = Object.fromEntries(literals.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const emptyDirs = new Set(
    pod?.volumes?.filter((v: { emptyDir?: unknown }) => v.emptyDir).map((v: { name: string }) => v.name),
  );
  const under = (path: string, mount: string) => path === mount || path.startsWith(`${mount}/`);
  const mountPath: string | undefined = pod?.containers
    ?.find((c: { name: string }) => c.name === 'controller')
    ?.volumeMounts?.find(
      (m: { name: string; mountPath: string }) =>
        emptyDirs.has(m.name) && under(settings.RUNTIME_WORK_DIR ?? '', m.mountPath),
    )?.mountPath;
  if (!mountPath) throw new Error('deploy/base mounts no emptyDir for the controller where its RUNTIME_WORK_DIR is');
  return { mountPath, env: Object.fromEntries(Object.entries(settings).filter(([, v]) => under(v, mountPath))) };
}

/** Where a target's image path is in the tree: absolute paths under base, relative ones under the WORKDIR. */
function inTree(base: string, stage: Stage, path: string): string {
  return isAbsolute(path) ? at(base, path) : at(base, join(stage.workdir, path));
}

/** The tree's processes as the Dockerfile's targets describe them, for a tree rooted at `base`. */
function treeAt(base: string, dockerfile: Dockerfile): Omit<ProductionTree, 'report' | 'remove'> {
  const first = dockerfile.stage(TARGETS[0]);
  const targets = Object.fromEntries(
    TARGETS.map((name) => {
      const stage = dockerfile.stage(name);
      if (stage.workdir !== first.workdir || stage.user !== first.user) {
        throw new Error(`${DOCKERFILE}: the targets share one WORKDIR and USER here, ${name} differs`);
      }
      const [program, ...rest] = stage.cmd ?? [];
      if (program !== 'node') throw new Error(`${DOCKERFILE}: target ${name}'s CMD does not start with node`);
      const volume = name === 'controller' ? deployedVolume().env : {};
      const env = Object.fromEntries(
        Object.entries({ ...stage.env, ...volume }).map(([k, v]) => [k, isAbsolute(v) ? at(base, v) : v] as const),
      );
      return [name, { args: rest.map((arg) => (arg.startsWith('-') ? arg : inTree(base, stage, arg))), env }] as const;
    }),
  ) as ProductionTree['targets'];
  const [uid, gid = uid] = (first.user ?? '').split(':').map(Number);
  if (!Number.isInteger(uid) || !uid) throw new Error(`${DOCKERFILE}: the images need a numeric non-root USER`);
  return { base, root: at(base, first.workdir), user: { uid: uid as number, gid: gid as number }, targets };
}

/**
 * Installs the production tree as deploy/images/Dockerfile builds it: its stages run in scratch directories, and
 * the runtime stage and both targets' own steps in one tree (a union of the two images, which differ only in the
 * controller's pulumi CLI). Everything is root-owned and read-only for the image's user, except the work-dir volume.
 */
export async function installProductionTree(): Promise<ProductionTree> {
  const dockerfile = readDockerfile(DOCKERFILE, REPO_ROOT);
  const base = mkdtempSync(join(tmpdir(), 'fed-prod-'));
  const scratch = mkdtempSync(join(tmpdir(), 'fed-prod-stages-'));
  chmodSync(base, 0o755);
  const remove = () => rmSync(base, { recursive: true, force: true });
  try {
    const runner = new StageRunner(dockerfile, scratch);
    const started = Date.now();
    const lineages = TARGETS.map((t) => dockerfile.lineage(t));
    const applied = new Set<string>();
    for (const stage of lineages.flat()) {
      if (applied.has(stage.name)) continue;
      applied.add(stage.name);
      await runner.apply(stage, base);
    }
    const tree = treeAt(base, dockerfile);
    const volume = at(base, deployedVolume().mountPath);
    mkdirSync(dirname(volume), { recursive: true, mode: 0o755 });
    mkdirSync(volume, { mode: 0o700 });
    chownSync(volume, tree.user.uid, tree.user.gid);
    const buildSeconds = runner.seconds.build ?? 0;
    return {
      ...tree,
      report: {
        buildSeconds,
        installSeconds: (Date.now() - started) / 1000 - buildSeconds,
        installKiB: kib(tree.root),
        distKiB: kib(join(tree.root, 'dist')),
      },
      remove,
    };
  } catch (error) {
    remove();
    throw error;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The packages of the tree's node_modules (scoped ones as @scope/name). */
export function installedPackages(tree: ProductionTree): string[] {
  const nm = join(tree.root, 'node_modules');
  return readdirSync(nm).flatMap((name) =>
    name.startsWith('@') ? readdirSync(join(nm, name)).map((n) => `${name}/${n}`) : name.startsWith('.') ? [] : [name],
  );
}

/** A tree installed earlier by installProductionTree, found again from its base (`npm start -- --production-tree`). */
export function productionTreeAt(base: string): ProductionTree {
  const tree = treeAt(base, readDockerfile(DOCKERFILE, REPO_ROOT));
  return {
    ...tree,
    report: { buildSeconds: 0, installSeconds: 0, installKiB: kib(tree.root), distKiB: kib(join(tree.root, 'dist')) },
    remove: () => rmSync(base, { recursive: true, force: true }),
  };
}
