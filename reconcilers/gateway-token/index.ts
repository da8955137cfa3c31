/** What the controller, the gateway and the CLI use from the gateway-token folder. */
export { createGatewayTokenComponent, type GatewayTokenComponentOptions } from './component.ts';
export * from './constants.ts';
export { generateKey, type KeyStoreOptions, SigningKeyStore } from './key-store.ts';
export { type MintOptions, mintToken, type SigningKey } from './mint.ts';
