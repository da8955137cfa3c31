/** What the controller, the gateway and the CLI use from the gateway-token folder. */

export * from '../../controller/platform/tokens/constants.ts';
export { generateKey, type KeyStoreOptions, SigningKeyStore } from '../../controller/platform/tokens/key-store.ts';
export { type MintOptions, mintToken, type SigningKey } from '../../controller/platform/tokens/mint.ts';
export { createGatewayTokenComponent, type GatewayTokenComponentOptions } from './component.ts';
