import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/** Keywords zod emits that a structural CRD schema must not carry. */
const DROPPED = ['$schema', 'id', '$id', 'title'];

/**
 * Converts a zod schema to a structural OpenAPI v3 schema the API server accepts:
 * input side (defaults shown, optional fields optional), no $ref, no regex next to a
 * format the API server checks itself (zod's email/date-time regexes use lookaheads RE2 lacks).
 */
export function toOpenApi(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    reused: 'inline',
    cycles: 'throw',
    unrepresentable: 'throw',
  }) as JsonSchema;
  return clean(json);
}

function clean(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.includes(key)) continue;
    out[key] = value;
  }
  if (typeof out.format === 'string') delete out.pattern;
  if (out['x-kubernetes-preserve-unknown-fields'] === true) delete out.additionalProperties;
  if (out.properties !== undefined) delete out.additionalProperties;
  if (out.properties) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties as Record<string, JsonSchema>).map(([k, v]) => [k, clean(v)]),
    );
  }
  if (out.items) out.items = clean(out.items as JsonSchema);
  if (out.additionalProperties && typeof out.additionalProperties === 'object') {
    out.additionalProperties = clean(out.additionalProperties as JsonSchema);
  }
  return out;
}
