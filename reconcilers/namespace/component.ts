import { isNotFound, paths } from '../../controller/runtime/kube-api.ts';
import { API_VERSION } from '../../crds/common.ts';
import { DEPARTMENT_LABEL, FIELD_MANAGER, namespaceFor } from '../../crds/names.ts';
import { type Component, type ComponentContext, type KubeApi, TerminalError } from '../component.ts';

interface Namespace {
  metadata: {
    name: string;
    uid: string;
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

/**
 * A namespace is the department's when the controller created it for this Department: it carries the
 * department label (set at creation, kept when a Retain deletion lets it outlive its Department), or this
 * Department's controller reference. Anything else is someone else's: never labelled, written into or deleted.
 */
function ownedBy(ns: Namespace, ctx: ComponentContext): boolean {
  return (
    ns.metadata.labels?.[DEPARTMENT_LABEL] === ctx.department.metadata.name ||
    controlledBy(ns, ctx.department.metadata.uid)
  );
}

function controlledBy(ns: Namespace, uid: string): boolean {
  return (ns.metadata.ownerReferences ?? []).some((o) => o.controller && o.uid === uid);
}

async function find(kube: KubeApi, name: string): Promise<Namespace | undefined> {
  try {
    return await kube.get<Namespace>(paths.namespace(name));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Whether the namespace carries the Department's controller reference. Not under Retain: a namespace that must
 * outlive its Department cannot be its dependent, since a foreground deletion (Argo CD prunes that way) has the
 * garbage collector delete every dependent before the Department's finalizer runs. The label keeps it the
 * department's.
 */
const wantsOwnerReference = (ctx: ComponentContext) => ctx.department.spec.deletionPolicy !== 'Retain';

/**
 * The department's namespace `dept-<name>`: labelled, owned by the Department (unless Retain), recreated when
 * deleted.
 */
export const namespaceComponent: Component = {
  name: 'namespace',
  conditionType: 'NamespaceReady',
  dependsOn: [],
  async apply(ctx) {
    const kube = api(ctx);
    const name = namespaceFor(ctx.department.metadata.name);
    const ns = await find(kube, name);
    const labels = { [DEPARTMENT_LABEL]: ctx.department.metadata.name };
    if (!ns) {
      await kube.create(
        paths.namespaces,
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name, labels, ...(wantsOwnerReference(ctx) ? { ownerReferences: [ownerReference(ctx)] } : {}) },
        },
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
    if (!ownedBy(ns, ctx)) {
      throw new TerminalError(
        'NamespaceNotOwned',
        `namespace ${name} already exists and was not created by federation for this Department; nothing is written ` +
          `into it. Delete it, choose another Department name, or label it ${DEPARTMENT_LABEL}=${ctx.department.metadata.name} to hand it over`,
      );
    }
    const owner = wantsOwnerReference(ctx);
    if (Boolean(controller) !== owner || ns.metadata.labels?.[DEPARTMENT_LABEL] !== ctx.department.metadata.name) {
      const others = (ns.metadata.ownerReferences ?? []).filter((o) => o.uid !== ctx.department.metadata.uid);
      await kube.mergePatch(
        paths.namespace(name),
        {
          metadata: {
            resourceVersion: ns.metadata.resourceVersion,
            labels,
            ownerReferences: [...others, ...(owner ? [ownerReference(ctx)] : [])],
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
    const ns = await find(kube, name);
    if (!ns) return { condition: { status: 'False', reason: 'Deleted', message: `namespace ${name} deleted` } };
    const retain = ctx.department.spec.deletionPolicy === 'Retain';
    // Under Retain the namespace carries no owner reference (see wantsOwnerReference): its label says whose it is.
    if (!(retain ? ownedBy(ns, ctx) : controlledBy(ns, ctx.department.metadata.uid))) {
      return {
        condition: { status: 'False', reason: 'NamespaceNotOwned', message: `namespace ${name} left as it was` },
      };
    }
    if (retain) {
      // Keep the namespace (and what others wrote into it) but let it outlive the Department: only this
      // Department's reference goes, anyone else's stays. Objects the Department owns, such as its database
      // Secret, are still collected with it. The resourceVersion makes a concurrent change a conflict, not a loss.
      const others = (ns.metadata.ownerReferences ?? []).filter((o) => o.uid !== ctx.department.metadata.uid);
      await kube.mergePatch(
        paths.namespace(name),
        { metadata: { resourceVersion: ns.metadata.resourceVersion, ownerReferences: others } },
        FIELD_MANAGER,
      );
      return { condition: { status: 'False', reason: 'Retained', message: `namespace ${name} retained` } };
    }
    try {
      // The precondition: exactly the namespace checked above, never one recreated under the same name since.
      await kube.delete(paths.namespace(name), {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        preconditions: { uid: ns.metadata.uid },
      });
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
