// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings under test are templates with ${} placeholders
import { describe, expect, it } from 'vitest';
import type { Tool } from '../../crds/department.ts';
import { desiredWorkflow } from './desired.ts';
import { RenderError, render } from './render.ts';
import { WORKFLOW_TEMPLATES } from './templates.ts';

const refs = {
  webhook: { id: 'w1', name: 'hr · Webhook auth · x' },
  postgres: { id: 'p1', name: 'hr · PostgreSQL · x' },
  googleDrive: { id: 'g1', name: 'hr · Google Drive · x' },
  gmail: { id: 'm1', name: 'hr · Gmail · x' },
};

const facts = { department: 'hr', displayName: 'Human Resources', googleApiBase: 'https://www.googleapis.com' };

describe('render', () => {
  it('substitutes variables inside string values only', () => {
    expect(render({ a: 'x ${v} y', n: 3, l: ['${v}'] }, { v: 'V' })).toEqual({ a: 'x V y', n: 3, l: ['V'] });
  });

  it('refuses an unknown or missing variable', () => {
    expect(() => render({ a: '${nope}' }, { v: 'V' })).toThrow(RenderError);
    expect(() => render({ a: '${toString}' }, {})).toThrow(/unknown variable toString/);
  });

  it('refuses a variable inside an n8n expression and a value that would become one', () => {
    expect(() => render({ a: '={{ ${v} }}' }, { v: '1' })).toThrow(/expression/);
    expect(() => render({ a: '${v}' }, { v: '={{ $env.HOME }}' })).toThrow(/expression/);
  });

  it('keeps hostile values as plain data', () => {
    const hostile = `"}]}, {"x": 1} {{ $env.N8N_ENCRYPTION_KEY }} \${other} '; DROP TABLE t; --`;
    const out = render({ name: 'Dept ${v}', nested: { list: ['${v}'] } }, { v: hostile, other: 'SHOULD-NOT-APPEAR' });
    expect(out).toEqual({ name: `Dept ${hostile}`, nested: { list: [hostile] } });
    expect(JSON.stringify(out)).not.toContain('SHOULD-NOT-APPEAR');
  });

  it('renders every template completely, with the webhook path <department>/<tool>', () => {
    for (const tool of Object.keys(WORKFLOW_TEMPLATES) as Tool[]) {
      const workflow = desiredWorkflow(tool, facts, refs);
      expect(JSON.stringify(workflow)).not.toContain('${');
      const webhook = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.webhook');
      expect(webhook?.parameters.path).toBe(`hr/${tool}`);
      expect(webhook?.parameters.authentication).toBe('headerAuth');
      expect(webhook?.credentials?.httpHeaderAuth).toEqual(refs.webhook);
      for (const node of workflow.nodes) {
        const query = node.parameters.query;
        if (typeof query === 'string') expect(query).toContain('"dept_hr".');
      }
    }
  });

  it('refuses a template whose credential was not provided', () => {
    const { gmail: _, ...withoutGmail } = refs;
    expect(() => desiredWorkflow('email', facts, withoutGmail)).toThrow(/gmailCredentialId/);
    const { webhook: __, ...withoutWebhook } = refs;
    expect(() => desiredWorkflow('database', facts, withoutWebhook)).toThrow(/webhookCredentialId/);
  });

  it('does give the Google workflows the API base and Drive folder, and agent-context the custom settings, as data', () => {
    const custom = { greeting: '={{ $env.HOME }}', nested: { n: 1 } };
    const given = { ...facts, googleApiBase: 'http://127.0.0.1:9/', driveFolderId: "it's", customSettings: custom };
    const drive = desiredWorkflow('google_drive', given, refs);
    const config = drive.nodes.find((n) => n.name === 'Drive')?.parameters;
    expect(JSON.stringify(config)).toContain('"value":"http://127.0.0.1:9","type":"string"');
    expect(JSON.stringify(config)).toContain(`"value":"it's","type":"string"`);
    const context = desiredWorkflow('agent_context', given, refs);
    const set = context.nodes.find((n) => n.type === 'n8n-nodes-base.set');
    expect(JSON.stringify(set?.parameters)).toContain(JSON.stringify(JSON.stringify(custom)));
    const empty = desiredWorkflow('agent_context', facts, refs).nodes.find((n) => n.type === 'n8n-nodes-base.set');
    expect(JSON.stringify(empty?.parameters)).toContain('"value":"{}","type":"object"');
  });
});
