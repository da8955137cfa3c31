import { readFileSync, statSync } from 'node:fs';

/**
 * The department's gateway token. From GATEWAY_TOKEN_FILE (a mounted Secret key) it is re-read whenever the
 * file changes, so a rotated Secret is used without a restart; from GATEWAY_TOKEN (a Railway variable) a
 * rotation arrives as a new deployment with the new value.
 */
export class TokenSource {
  private cached: { mtimeMs: number; token: string } | undefined;

  constructor(private readonly opts: { file?: string; token?: string }) {}

  get configured(): boolean {
    return Boolean(this.opts.file || this.opts.token);
  }

  current(): string | undefined {
    const { file } = this.opts;
    if (!file) return this.opts.token;
    try {
      const { mtimeMs } = statSync(file);
      if (this.cached?.mtimeMs !== mtimeMs) this.cached = { mtimeMs, token: readFileSync(file, 'utf8').trim() };
      return this.cached.token;
    } catch {
      return this.opts.token;
    }
  }

  /** Forgets the cached value (after a 401), so the next call reads the file again. */
  invalidate(): void {
    this.cached = undefined;
  }
}
