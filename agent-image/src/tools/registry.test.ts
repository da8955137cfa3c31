import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TOOLS } from '../../../crds/department.ts';
import { buildTools } from './registry.ts';

const n8n = { baseUrl: 'http://n8n.local/webhook/hr' };
const gateway = { url: 'http://gateway.local', token: 't' };

describe('buildTools', () => {
  it('does offer one module per enabled tool, each with a zod schema the LLM sees, and the gateway tools', () => {
    const tools = buildTools({ department: 'hr', enabled: [...TOOLS], n8n, gateway });
    expect(tools.map((t) => t.name)).toEqual([...TOOLS, 'search_documents', 'search_emails', 'get_contact']);
    for (const t of tools) {
      expect(t.parameters).toBeInstanceOf(z.ZodObject);
      expect(t.description.length).toBeGreaterThan(10);
    }
    const email = tools.find((t) => t.name === 'email');
    expect(email?.parameters.safeParse({ to: 'not-an-email', subject: 's', message: 'm' }).success).toBe(false);
    const drive = tools.find((t) => t.name === 'google_drive');
    expect(drive?.parameters.safeParse({}).success).toBe(true); // lists and indexes the folder
    expect(drive?.parameters.safeParse({ file_id: '' }).success).toBe(false);
    const database = tools.find((t) => t.name === 'database');
    expect(database?.parameters.safeParse({ table: 'x; drop table y' }).success).toBe(false);
  });

  it('does refuse a tool name it has no module for', () => {
    expect(() => buildTools({ department: 'hr', enabled: ['email', 'teleport'], n8n })).toThrow(
      'ENABLED_TOOLS names teleport, which this agent image has no tool for',
    );
  });

  it('does refuse department tools without the n8n webhook base', () => {
    expect(() => buildTools({ department: 'hr', enabled: ['email'] })).toThrow('N8N_WEBHOOK_BASE_URL is not set');
  });

  it('does leave the cross-department tools out without a gateway or a token', () => {
    expect(buildTools({ department: 'hr', enabled: [] })).toEqual([]);
    expect(buildTools({ department: 'hr', enabled: [], gateway: { url: gateway.url } })).toEqual([]);
  });
});
