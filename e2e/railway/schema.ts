import { readFileSync } from 'node:fs';
import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from 'graphql';

/** Railway's published introspection result, vendored in ./vendor (see its README for origin and licence). */
export function railwaySchemaPath(): string {
  return process.env.RAILWAY_SCHEMA_PATH ?? new URL('./vendor/schema.json', import.meta.url).pathname;
}

let schema: GraphQLSchema | undefined;

export function railwaySchema(): GraphQLSchema {
  if (!schema) {
    const json = JSON.parse(readFileSync(railwaySchemaPath(), 'utf8')) as { data?: IntrospectionQuery };
    schema = buildClientSchema(json.data ?? (json as unknown as IntrospectionQuery));
  }
  return schema;
}
