import { describe, expect, it } from 'vitest';
import { ARGOCD_VERSION, argocdWrapperGoMod, GITOPS_ENGINE_VERSION } from './argocd-cli.ts';

const ARGOCD_GO_MOD = `module github.com/argoproj/argo-cd/v3

go 1.26.3

require (
	github.com/argoproj/argo-cd/gitops-engine v0.7.1-0.20250908182407-97ad5b59a627
)

replace (
	github.com/golang/protobuf => github.com/golang/protobuf v1.5.4

	k8s.io/api => k8s.io/api v0.36.1
)

replace github.com/argoproj/argo-cd/gitops-engine => ./gitops-engine
`;

describe('argocdWrapperGoMod', () => {
  it('repeats argo-cd replace block and swaps its local gitops-engine for a served version', () => {
    const goMod = argocdWrapperGoMod(ARGOCD_GO_MOD);
    expect(goMod).toContain('go 1.26.3');
    expect(goMod).toContain(`require github.com/argoproj/argo-cd/v3 ${ARGOCD_VERSION}`);
    expect(goMod).toContain('\tk8s.io/api => k8s.io/api v0.36.1\n');
    expect(goMod).not.toContain('./gitops-engine');
    expect(goMod).toContain(
      `replace github.com/argoproj/argo-cd/gitops-engine => github.com/argoproj/argo-cd/gitops-engine ${GITOPS_ENGINE_VERSION}`,
    );
  });

  it('refuses a go.mod without a replace block', () => {
    expect(() => argocdWrapperGoMod('module x\n\ngo 1.26\n')).toThrow(/no go line or replace block/);
  });
});
