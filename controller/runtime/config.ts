import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';

/** A duration like 500ms, 15s, 10m or 1h, in milliseconds. */
const duration = (fallback: string) =>
  z
    .string()
    .regex(/^\d+(ms|s|m|h)$/, 'a duration like 500ms, 15s, 10m or 1h')
    .default(fallback)
    .transform((v) => {
      const [, n, unit] = v.match(/^(\d+)(ms|s|m|h)$/) as RegExpMatchArray;
      return Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms'];
    });

/** Controller settings from the environment, parsed once at start-up. */
export const controllerConfig = z.object({
  WORKERS: z.coerce.number().int().min(1).max(256).default(8).describe('Concurrent reconciles per controller'),
  RESYNC_PERIOD: duration('10m').describe('How often every object is re-checked for drift'),
  LEADER_ELECT: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  LEASE_NAMESPACE: z.string().min(1).default('federation-system'),
  LEASE_NAME: z.string().min(1).default('federation-controller'),
  LEASE_DURATION: duration('15s'),
  RENEW_DEADLINE: duration('10s'),
  RETRY_PERIOD: duration('2s'),
  SHARDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .describe('How many shards the Departments are split into, each with its own Lease (deploy/README.md "Sharding")'),
  SHARD_INDEX: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe("This replica's home shard; default: the trailing ordinal of POD_NAME (a StatefulSet pod) mod SHARDS"),
  WATCH_LABEL_SELECTOR: z
    .string()
    .optional()
    .describe('Only reconcile Departments and grants matching this label selector (sharding, tests)'),
  POD_NAME: z
    .string()
    .min(1)
    .optional()
    .describe('The pod (or host) this process runs in; the leader identity starts with it'),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  METRICS_HOST: z.string().default('0.0.0.0'),
  SHUTDOWN_TIMEOUT: duration('30s'),
  KUBE_API_QPS: z.coerce
    .number()
    .min(0)
    .default(50)
    .describe('Sustained API server requests per second (client-side token bucket, like client-go); 0: no limit'),
  KUBE_API_BURST: z.coerce
    .number()
    .int()
    .min(1)
    .default(100)
    .describe('API server requests admitted at once above KUBE_API_QPS after a quiet spell'),
  BACKOFF_BASE: duration('5ms'),
  BACKOFF_MAX: duration('15m'),
});

export type ControllerConfig = z.infer<typeof controllerConfig> & {
  /**
   * The shard whose Lease this replica contends for at once (SHARD_INDEX, or its pod's ordinal mod SHARDS); other
   * shards it takes only once their Lease expired. Undefined: no home, a standby for every shard.
   */
  homeShard: number | undefined;
  /**
   * Who this process is in the leader election and as the Events' reporting instance: POD_NAME (or the host name)
   * and a random suffix, as client-go's `<hostname>_<uuid>`. Unique per process even when two processes share a
   * POD_NAME (the local platform gives every controller the same one), so one never renews the other's lease.
   */
  identity: string;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ControllerConfig {
  const parsed = controllerConfig.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid controller configuration: ${problems}`);
  }
  const { SHARDS, SHARD_INDEX, LEADER_ELECT } = parsed.data;
  if (SHARD_INDEX !== undefined && SHARD_INDEX >= SHARDS) {
    throw new Error(`invalid controller configuration: SHARD_INDEX ${SHARD_INDEX} is not a shard of SHARDS=${SHARDS}`);
  }
  if (SHARDS > 1 && !LEADER_ELECT) {
    throw new Error('invalid controller configuration: SHARDS > 1 needs LEADER_ELECT=true (shards are Leases)');
  }
  const pod = parsed.data.POD_NAME ?? hostname();
  const ordinal = pod.match(/-(\d+)$/)?.[1];
  const homeShard = SHARDS === 1 ? 0 : (SHARD_INDEX ?? (ordinal === undefined ? undefined : Number(ordinal) % SHARDS));
  const identity = `${pod}_${randomBytes(6).toString('hex')}`;
  return { ...parsed.data, identity, homeShard };
}
