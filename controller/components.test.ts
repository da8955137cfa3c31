import { describe, expect, it } from 'vitest';
import { namespaceComponent } from '../reconcilers/namespace/component.ts';
import { deployAfterInputs, notConfigured } from './components.ts';
import { sortComponents } from './department/component-graph.ts';

/** The runtime as its component declares itself, before the wiring. */
function runtime() {
  return { ...notConfigured('runtime', 'unused'), dependsOn: ['namespace', 'database'] };
}

describe('deployAfterInputs', () => {
  it('does deploy the agent after the components whose Secrets are in its environment', () => {
    const components = [
      runtime(),
      namespaceComponent,
      notConfigured('database', 'unused'),
      notConfigured('gateway-token', 'unused'),
      notConfigured('oauth', 'unused'),
      notConfigured('workflows', 'unused'),
    ];
    deployAfterInputs(components);
    expect(components[0]?.dependsOn).toEqual(['namespace', 'database', 'gateway-token', 'workflows']);
    const order = sortComponents(components).map((c) => c.name);
    expect(order.indexOf('runtime')).toBeGreaterThan(order.indexOf('workflows'));
    expect(order.indexOf('runtime')).toBeGreaterThan(order.indexOf('gateway-token'));
  });

  it('does not wait for a component that does not run (DISABLED_COMPONENTS)', () => {
    const components = [namespaceComponent, notConfigured('database', 'unused'), runtime()];
    deployAfterInputs(components);
    expect(components.at(-1)?.dependsOn).toEqual(['namespace', 'database']);
    expect(() => sortComponents(components)).not.toThrow();
  });
});
