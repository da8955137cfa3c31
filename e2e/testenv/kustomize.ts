import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

/** A Kubernetes object as rendered (untyped: tests look into whatever kind they check). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests of every kind
  spec?: any;
  data?: Record<string, string>;
}

/** `kubectl kustomize <dir>` (kubectl's built-in kustomize, offline) parsed into objects. */
export async function renderKustomization(dir: string): Promise<KubeObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 });
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as KubeObject)
    .filter(Boolean);
}

export function findObject(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
}

/** A generated ConfigMap by the name it was declared with (kustomize appends a content hash). */
export function findConfigMap(objects: KubeObject[], name: string): KubeObject | undefined {
  return objects.find((o) => o.kind === 'ConfigMap' && new RegExp(`^${name}(-[a-z0-9]{10})?$`).test(o.metadata.name));
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}

/**
 * The environment a Deployment's container starts with, as the kubelet would build it: envFrom ConfigMaps
 * from the rendered objects, then env; Secret values from `secrets` (a missing optional Secret or key leaves
 * the variable unset, a missing required one throws, as the pod would not start); fieldRefs from `fields`.
 */
export function containerEnv(
  objects: KubeObject[],
  deployment: string,
  container: string,
  secrets: Record<string, Record<string, string>>,
  fields: Record<string, string> = {},
): Record<string, string> {
  const spec = findObject(objects, 'Deployment', deployment).spec.template.spec;
  const c = spec.containers.find((x: { name: string }) => x.name === container);
  if (!c) throw new Error(`Deployment ${deployment} has no container ${container}`);
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    if (from.secretRef) {
      const data = secrets[from.secretRef.name];
      if (data) Object.assign(env, data);
      else if (!from.secretRef.optional) throw new Error(`${deployment} needs Secret ${from.secretRef.name}`);
      continue;
    }
    const name = from.configMapRef?.name;
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
    if (!cm) throw new Error(`Deployment ${deployment} reads ConfigMap ${name}, which the manifests do not create`);
    Object.assign(env, cm.data ?? {});
  }
  for (const v of (c.env ?? []) as EnvVar[]) {
    if (v.value !== undefined) env[v.name] = v.value;
    const secretRef = v.valueFrom?.secretKeyRef;
    if (secretRef) {
      const value = secrets[secretRef.name]?.[secretRef.key];
      if (value !== undefined) env[v.name] = value;
      else if (!secretRef.optional) throw new Error(`${v.name} needs Secret ${secretRef.name} key ${secretRef.key}`);
    }
    const field = v.valueFrom?.fieldRef?.fieldPath;
    if (field) env[v.name] = fields[field] ?? `<${field}>`;
  }
  return env;
}
