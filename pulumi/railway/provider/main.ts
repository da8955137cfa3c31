// The `pulumi-resource-railway` plugin process (pulumi/railway/bin/ starts it): serves the provider over gRPC to
// the Pulumi engine that launched it. Railway's endpoint and token come from the engine's environment.
// Only the SDK's provider server is loaded: the package's index also loads the Automation API, the resource
// model and the runtime, which a plugin never uses (0.66 s of CPU to load on this machine, the server 0.17 s), and
// the engine starts a plugin for each of its steps (a refresh and an update are two).
import { main } from '@pulumi/pulumi/provider/index.js';
import { railwayProvider } from './provider.ts';

await main(railwayProvider, process.argv.slice(2));
