import { homedir } from 'node:os';
import { join } from 'node:path';

export const KUBERNETES_VERSION = 'v1.34.4';
export const ETCD_VERSION = 'v3.6.16';

/** Stable cache for slow installs and builds; outside the repo so clones share it. */
export function cacheDir(): string {
  return (
    process.env.FEDERATION_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'federation')
  );
}
