import type { IncomingMessage } from 'node:http';

/** A failed API request: the HTTP status code and the Status reason the API server gave. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409;
}

export type Query = Record<string, string | number | boolean | undefined>;

/** Reports each request's verb, response code and path, so API traffic can be counted. */
export type RequestObserver = (method: string, code: number, path: string) => void;

/** One RequestObserver that tells each of `observers`, in order. */
export function observeAll(...observers: RequestObserver[]): RequestObserver {
  return (method, code, path) => {
    for (const observe of observers) observe(method, code, path);
  };
}

/**
 * Holds a request back until the client-side rate limit admits it (client-go's flowcontrol.RateLimiter); rejects
 * when `signal` aborts first.
 */
export type RequestThrottle = (verb: string, host: string, signal?: AbortSignal) => Promise<void>;

/**
 * The verbs the controller and its components use against the API server; controller/platform/kube implements
 * it. Failures are ApiErrors.
 */
export interface KubeApi {
  get<T>(path: string, query?: Query): Promise<T>;
  create<T>(path: string, body: unknown, fieldManager: string): Promise<T>;
  mergePatch<T>(path: string, body: unknown, fieldManager: string): Promise<T>;
  /** Server-side apply (force) under the field manager. */
  apply<T>(path: string, body: unknown, fieldManager: string): Promise<T>;
  /** PUT: replaces the object; the body's resourceVersion makes it a compare-and-swap. */
  replace<T>(path: string, body: unknown): Promise<T>;
  delete<T>(path: string, body?: unknown): Promise<T>;
  /** A streaming GET (watches): resolves with the open response. */
  stream(path: string, init: { query?: Query; signal?: AbortSignal }): Promise<IncomingMessage>;
}

/** REST paths of the built-in resources the runtime and the components touch (crds/api-paths.ts has this API's). */
export const paths = {
  namespaces: '/api/v1/namespaces',
  namespace: (name: string) => `/api/v1/namespaces/${encodeURIComponent(name)}`,
  secrets: '/api/v1/secrets',
  namespacedSecrets: (ns: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}/secrets`,
  events: (ns: string) => `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/events`,
  event: (ns: string, name: string) =>
    `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/events/${encodeURIComponent(name)}`,
  lease: (ns: string, name: string) =>
    `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/leases/${encodeURIComponent(name)}`,
  leases: (ns: string) => `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/leases`,
};

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  generation?: number;
  resourceVersion: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

export interface KubeList<T> {
  metadata: { resourceVersion: string; continue?: string };
  items: T[];
}
