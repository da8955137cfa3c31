// The `pulumi-resource-railway` plugin process (pulumi/railway/bin/ starts it): serves the provider over gRPC to
// the Pulumi engine that launched it. Railway's endpoint and token come from the engine's environment.
import { provider } from '@pulumi/pulumi';
import { railwayProvider } from './provider.ts';

await provider.main(railwayProvider, process.argv.slice(2));
