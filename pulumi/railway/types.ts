/** The provider's package name: resource types are `railway:index:<Kind>`, the plugin `pulumi-resource-railway`. */
export const PACKAGE = 'railway';

export const RESOURCE_TYPES = {
  Project: `${PACKAGE}:index:Project`,
  Service: `${PACKAGE}:index:Service`,
  Domain: `${PACKAGE}:index:Domain`,
} as const;
