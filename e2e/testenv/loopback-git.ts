import { execFile } from 'node:child_process';
import { cp, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Platform } from './platform.ts';
import { freePorts } from './ports.ts';
import { REPO_ROOT } from './repo-root.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);
const AUTHOR = ['-c', 'user.name=Federation test', '-c', 'user.email=test@federation.invalid'];

/**
 * A git repository served on loopback by `git daemon` (git://, read-only), with a working clone the test
 * commits to and pushes from (over the file system), as a platform team commits to its GitOps repository.
 */
export class LoopbackGit {
  private constructor(
    readonly url: string,
    readonly work: string,
    private readonly bare: string,
  ) {}

  static async start(platform: Platform, name = 'federation'): Promise<LoopbackGit> {
    const base = join(platform.runDir, 'git');
    const bare = join(base, `${name}.git`);
    const work = join(platform.runDir, 'git-work');
    await mkdir(base, { recursive: true });
    await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
    await run('git', ['init', '--quiet', '--initial-branch=main', work]);
    const [port] = await freePorts(1);
    platform.startProcess(
      'git-daemon',
      'git',
      ['daemon', '--reuseaddr', '--listen=127.0.0.1', `--port=${port}`, `--base-path=${base}`, '--export-all', base],
      process.env,
    );
    const url = `git://127.0.0.1:${port}/${name}.git`;
    const git = new LoopbackGit(url, work, bare);
    await git.commit('empty start', async () => {});
    await waitFor(async () => (await run('git', ['ls-remote', url]).catch(() => undefined)) !== undefined, {
      timeoutMs: 20_000,
      describe: () => `git daemon did not serve ${url}`,
    });
    return git;
  }

  /** Copies these paths of this repository's working tree (tracked files only) into the working clone. */
  async copyFromRepository(paths: string[]): Promise<void> {
    const { stdout } = await run('git', ['ls-files', '-z', '--', ...paths], { cwd: REPO_ROOT, maxBuffer: 1 << 24 });
    for (const file of stdout.split('\0').filter(Boolean)) {
      await mkdir(dirname(join(this.work, file)), { recursive: true });
      // verbatimSymlinks: as git stores them (relative), never resolved to this checkout's absolute paths.
      await cp(join(REPO_ROOT, file), join(this.work, file), { verbatimSymlinks: true });
    }
  }

  /** Makes the change in the working clone, commits everything and pushes main; resolves with the commit. */
  async commit(message: string, change: (work: string) => Promise<void>): Promise<string> {
    await change(this.work);
    await run('git', ['add', '--all'], { cwd: this.work });
    await run('git', [...AUTHOR, 'commit', '--quiet', '--allow-empty', '-m', message], { cwd: this.work });
    await run('git', ['push', '--quiet', this.bare, 'HEAD:main'], { cwd: this.work });
    return (await run('git', ['rev-parse', 'HEAD'], { cwd: this.work })).stdout.trim();
  }
}
