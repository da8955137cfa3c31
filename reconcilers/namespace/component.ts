import { type Component, type ComponentContext, type KubeApi, TerminalError } from '../../controller/core/component.ts';
import { isNotFound, paths } from '../../controller/core/kube-api.ts';
import { API_VERSION } from '../../crds/common.ts';
import { DEPARTMENT_LABEL, FIELD_MANAGER, namespaceFor } from '../../crds/names.ts';

interface Namespace {
  metadata: {
    name: string;
    resourceVersion: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: { uid: string; controller?: boolean; kind: string; name: string }[];
  };
}

function api(ctx: ComponentContext): KubeApi {
  return ctx.kube;
}

function ownerReference(ctx: ComponentContext) {
  return {
    apiVersion: API_VERSION,
    kind: 'Department',
    name: ctx.department.metadata.name,
    uid: ctx.department.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The department's namespace `dept-<name>`: labelled, owned by the Department, recreated when deleted. */
export const namespaceComponent: Component = {
  name: 'namespace',
  conditionType: 'NamespaceReady',
  dependsOn: [],

  async apply(ctx) {
    const kube = api(ctx);
    const name = namespaceFor(ctx.department.metadata.name);
    let ns: Namespace | undefined;
    try {
      ns = await kube.get<Namespace>(paths.namespace(name));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const labels = { [DEPARTMENT_LABEL]: ctx.department.metadata.name };
    if (!ns) {
      await kube.create(
        paths.namespaces,
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels, ownerReferences: [ownerReference(ctx)] } },
        FIELD_MANAGER,
      );
      await ctx.events.event('Normal', 'NamespaceCreated', `created namespace ${name}`);
      return ready(name);
    }
    if (ns.metadata.deletionTimestamp) {
      return {
        condition: {
          status: 'Unknown',
          reason: 'NamespaceTerminating',
          message: `namespace ${name} is being deleted; it will be recreated`,
        },
        requeueAfterMs: 2000,
      };
    }
    const controller = ns.metadata.ownerReferences?.find((o) => o.controller);
    if (controller && controller.uid !== ctx.department.metadata.uid) {
      throw new TerminalError(
        'NamespaceConflict',
        `namespace ${name} is controlled by ${controller.kind} ${controller.name}`,
      );
    }
    if (!controller || ns.metadata.labels?.[DEPARTMENT_LABEL] !== ctx.department.metadata.name) {
      await kube.mergePatch(
        paths.namespace(name),
        {
          metadata: {
            labels,
            ownerReferences: [...(ns.metadata.ownerReferences ?? []), ...(controller ? [] : [ownerReference(ctx)])],
          },
        },
        FIELD_MANAGER,
      );
    }
    return ready(name);
  },

  async delete(ctx) {
    const kube = api(ctx);
    const name = namespaceFor(ctx.department.metadata.name);
    if (ctx.department.spec.deletionPolicy === 'Retain') {
      // Keep the namespace (and the Secrets in it) but let it outlive the Department.
      try {
        await kube.mergePatch(paths.namespace(name), { metadata: { ownerReferences: null } }, FIELD_MANAGER);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return { condition: { status: 'False', reason: 'Retained', message: `namespace ${name} retained` } };
    }
    try {
      await kube.delete(paths.namespace(name));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return { condition: { status: 'False', reason: 'Deleted', message: `namespace ${name} deleted` } };
  },
};

function ready(name: string) {
  return {
    condition: { status: 'True' as const, reason: 'NamespaceReady', message: `namespace ${name} exists` },
    status: { namespace: name },
    outputs: { namespace: name },
  };
}
