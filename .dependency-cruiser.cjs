// The layers of the repository (README "Layers"); `npm run lint` fails on an arrow pointing the wrong way.
//
//   e2e/                                   test environment, local platform, benches, test support
//   wiring: controller/{main,components}.ts, controller/cli/, gateway/main.ts
//   controller/department/, controller/grant/   the domain controllers, each a registration for the runtime;
//                          imported only by the wiring
//   reconcilers/<component>/, pulumi/, gateway/ (routes, middleware, identity, queries)
//   reconcilers/component.ts  the component contract: what every component implements and the Department
//                          controller runs
//   controller/platform/  what the controller, the components and the gateway share:
//                          kube (the Kubernetes client), logging, database (platform schema and roles), tokens
//   controller/runtime/   the generic controller runtime: builder, manager, cache, queue, leader election,
//                          conditions, events, errors, metrics; knows no domain controller, no component,
//                          no Department
//   crds/                 schemas, types and shared names; imports nothing of ours
//
// "Production" is every file outside e2e/ that is not a test (`*.test.ts`).

const TEST = '\\.test\\.ts$';
const WIRING = '^(controller/(main|components)\\.ts|controller/cli/|gateway/main\\.ts$)';
const DOMAIN = '^controller/(department|grant)/';
const CONTRACT = '^reconcilers/component\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'crds-import-nothing-of-ours',
      comment: 'crds/ is the API package at the bottom: schemas, types and names only.',
      severity: 'error',
      from: { path: '^crds/', pathNot: TEST },
      to: { path: '^(controller|reconcilers|pulumi|gateway|agent-image|e2e)/' },
    },
    {
      name: 'runtime-knows-no-domain',
      comment:
        'The controller runtime is generic: it never imports a domain controller (controller/department, ' +
        'controller/grant), a component, the platform pieces or the gateway; controllers reach it as registrations.',
      severity: 'error',
      from: { path: '^controller/runtime/', pathNot: TEST },
      to: { path: '^(controller/(?!runtime/)|reconcilers|pulumi|gateway|agent-image|e2e)' },
    },
    {
      name: 'runtime-reads-no-domain-types',
      comment:
        'From crds/ the runtime takes only the API group, condition type and field manager (common.ts, names.ts): ' +
        'it never reads a Department or a grant.',
      severity: 'error',
      from: { path: '^controller/runtime/', pathNot: TEST },
      to: { path: '^crds/', pathNot: '^crds/(common|names)\\.ts$' },
    },
    {
      name: 'domain-controllers-are-wired',
      comment:
        'controller/department and controller/grant are registered by the wiring (controller/main.ts); no other ' +
        'shipped file imports them.',
      severity: 'error',
      from: { pathNot: `^e2e/|${TEST}|${WIRING}|${DOMAIN}` },
      to: { path: DOMAIN },
    },
    {
      name: 'domain-controllers-stay-apart',
      comment: 'One domain controller shares with another through the runtime (its caches), not their files.',
      severity: 'error',
      from: { path: DOMAIN, pathNot: TEST },
      to: { path: DOMAIN, pathNot: '^controller/$1/' },
    },
    {
      name: 'domain-controllers-know-no-component',
      comment:
        'A domain controller is handed its components and syncers by the wiring; it imports none of them, only ' +
        'the contract they implement (reconcilers/component.ts).',
      severity: 'error',
      from: { path: DOMAIN, pathNot: TEST },
      to: { path: '^(controller/platform/|reconcilers|pulumi|gateway|agent-image|e2e)', pathNot: CONTRACT },
    },
    {
      name: 'platform-pieces-are-shared',
      comment:
        'controller/platform/ is shared by the controller and the gateway: it imports crds/ and the runtime only.',
      severity: 'error',
      from: { path: '^controller/platform/', pathNot: TEST },
      to: { path: '^(controller/(?!runtime/|platform/)|reconcilers|pulumi|gateway|agent-image|e2e)' },
    },
    {
      name: 'components-are-not-wiring',
      comment:
        'A component imports the contract, the platform pieces and pulumi/, never a domain controller, the wiring ' +
        'or the gateway.',
      severity: 'error',
      from: { path: '^reconcilers/', pathNot: TEST },
      to: { path: '^(controller/(?!runtime/|platform/)|gateway|agent-image|e2e)' },
    },
    {
      name: 'components-do-not-import-each-other',
      comment: "Components share through the platform pieces or their declared outputs, not each other's files.",
      severity: 'error',
      from: { path: '^reconcilers/([^/]+)/', pathNot: TEST },
      to: { path: '^reconcilers/', pathNot: `^reconcilers/$1/|${CONTRACT}` },
    },
    {
      name: 'pulumi-is-a-library',
      comment: 'pulumi/ (the Railway provider and the program) knows nothing of the controller or components.',
      severity: 'error',
      from: { path: '^pulumi/', pathNot: TEST },
      to: { path: '^(controller/(?!platform/logging/)|reconcilers|gateway|agent-image|e2e)' },
    },
    {
      name: 'gateway-imports-no-controller-internals',
      comment: 'The gateway shares only crds/ and controller/platform/ with the controller.',
      severity: 'error',
      from: { path: '^gateway/', pathNot: TEST },
      to: { path: '^(controller/(?!platform/)|reconcilers|pulumi|agent-image|e2e)' },
    },
    {
      name: 'agent-image-stands-alone',
      comment: 'The agent is its own deployable: it may share the API names in crds/, nothing else of ours.',
      severity: 'error',
      from: { path: '^agent-image/', pathNot: TEST },
      to: { path: '^(controller|reconcilers|pulumi|gateway|e2e)/' },
    },
    {
      name: 'production-never-imports-e2e',
      comment: 'e2e/ (test environment, local platform, benches, test support) is imported by nothing that ships.',
      severity: 'error',
      from: { path: '^(crds|controller|reconcilers|pulumi|gateway|agent-image)/', pathNot: TEST },
      to: { path: '^e2e/' },
    },
    {
      name: 'production-never-imports-tests',
      comment: 'No shipped file imports a test, a test helper, a fixture or a bench.',
      severity: 'error',
      from: { path: '^(crds|controller|reconcilers|pulumi|gateway|agent-image)/', pathNot: TEST },
      to: { path: `${TEST}|/(testing|test-support|fixtures?|bench)(/|\\.ts$)` },
    },
    {
      name: 'shipped-code-uses-no-dev-dependencies',
      comment:
        'The images install `npm ci --omit=dev`: a shipped file that needs a devDependency fails there. Not shipped: ' +
        'the tools tsconfig.build.json leaves out, and controller/bin, whose entry uses tsx only when it is installed.',
      severity: 'error',
      from: {
        path: '^(crds|controller|reconcilers|pulumi|gateway|agent-image)/',
        pathNot: `${TEST}|^crds/(render|generate)\\.ts$|/drizzle\\.config\\.ts$|^controller/bin/`,
      },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'nothing-imports-wiring',
      comment: 'The entry points wire everything; nothing imports them back.',
      severity: 'error',
      from: { pathNot: `^e2e/|${TEST}|${WIRING}|^controller/bin/` },
      to: { path: WIRING },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      // The command line's production fallback (controller/bin/federation.mjs) names the build output, which a
      // checkout has only after `npm run build`.
      to: { couldNotResolve: true, pathNot: '^\\.\\./\\.\\./dist/controller/cli/main\\.js$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|\\.federation)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
