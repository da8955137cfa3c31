import { TerminalError } from '../component.ts';

/** A workflow as a template and as sent to n8n's public API (only the fields the API accepts on write). */
export interface WorkflowDefinition {
  name: string;
  nodes: WorkflowNode[];
  connections: Record<string, unknown>;
  settings: Record<string, unknown>;
}

export interface WorkflowNode {
  id: string;
  name: string;
  type: string;
  typeVersion: number;
  position: [number, number];
  parameters: Record<string, unknown>;
  credentials?: Record<string, { id: string; name: string }>;
  webhookId?: string;
  alwaysOutputData?: boolean;
}

export class RenderError extends TerminalError {
  constructor(message: string) {
    super('InvalidTemplate', message);
    this.name = 'RenderError';
  }
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Substitutes `${name}` inside the string values of an already parsed template. Values land as data:
 * the JSON structure cannot change, and since n8n evaluates a string as an expression only when it starts
 * with `=`, a variable is refused inside an expression and a value may not turn plain text into one.
 */
export function render<T>(template: T, variables: Readonly<Record<string, string>>): T {
  return walk(template, variables, '$') as T;
}

function walk(value: unknown, variables: Readonly<Record<string, string>>, path: string): unknown {
  if (typeof value === 'string') return substitute(value, variables, path);
  if (Array.isArray(value)) return value.map((item, i) => walk(item, variables, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (VARIABLE.test(key)) throw new RenderError(`template key ${path}.${key} must not contain a variable`);
      VARIABLE.lastIndex = 0;
      out[key] = walk(item, variables, `${path}.${key}`);
    }
    return out;
  }
  return value;
}

function substitute(text: string, variables: Readonly<Record<string, string>>, path: string): string {
  const names = [...text.matchAll(VARIABLE)].map((m) => m[1] as string);
  if (names.length === 0) return text;
  if (text.startsWith('=')) throw new RenderError(`template ${path} puts a variable inside an n8n expression`);
  for (const name of names) {
    if (!Object.hasOwn(variables, name) || typeof variables[name] !== 'string') {
      throw new RenderError(`template ${path} uses unknown variable ${name}`);
    }
  }
  const result = text.replace(VARIABLE, (_, name: string) => variables[name] as string);
  if (result.startsWith('=')) {
    throw new RenderError(`the value placed at ${path} starts with "=", which n8n would evaluate as an expression`);
  }
  return result;
}
