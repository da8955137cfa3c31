// Test support (not a test): runs one RuntimeStacks operation from a production tree's build, the way the
// controller in that install would. Plain JavaScript so that it runs with the tree's node_modules, without tsx.
//   node stack-driver.mjs <tree root> <operation: up|drift|remove> '<json options>'
import { pathToFileURL } from 'node:url';

const [root, operation, json] = process.argv.slice(2);
const o = JSON.parse(json);
const { RuntimeStacks } = await import(pathToFileURL(`${root}/dist/pulumi/stack.js`).href);
const stacks = new RuntimeStacks({
  backendUrl: o.backendUrl,
  cliRoot: o.cliRoot,
  pulumiHome: o.pulumiHome,
  workRoot: o.workRoot,
  railwayUrl: o.railwayUrl,
});
const creds = { passphrase: o.passphrase, railwayToken: o.railwayToken };
const run = {
  up: () => stacks.up(o.inputs, creds),
  drift: () => stacks.drift(o.inputs, creds),
  remove: () => stacks.remove(o.inputs, creds, false),
}[operation];
const { value } = await run();
process.stdout.write(`${JSON.stringify(value ?? null)}\n`);
