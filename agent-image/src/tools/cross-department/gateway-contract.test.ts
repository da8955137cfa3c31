import { describe, expect, it } from 'vitest';
import { DEPARTMENT_NAME_MAX, DEPARTMENT_NAME_PATTERN } from '../../../../crds/common.ts';
import { crossDeptQueryRequest, SEARCH_TYPES } from '../../../../crds/cross-department-query.ts';
import { documentSearchRequest } from '../../../../gateway/documents/schemas.ts';
import { platformClaims } from '../../../../gateway/identity/identity.ts';
import { agentEnv } from '../../config/env.ts';
import type { N8nWebhooks } from '../department/n8n-client.ts';
import { vectorStoreTool } from '../department/vector-store.ts';
import type { AgentTool } from '../tool.ts';
import { crossDeptQueryBody, type GatewayClient, type GatewayQuery, searchBody } from './gateway-client.ts';
import { crossDepartmentTools } from './query-tools.ts';

/** A gateway client that keeps what the tools would send. */
function capturingGateway() {
  const sent: GatewayQuery[] = [];
  const gateway = {
    query: async (q: GatewayQuery) => {
      sent.push(q);
      return { status: 'COMPLETED' as const, result: {} };
    },
  } as unknown as GatewayClient;
  return { gateway, sent };
}

const NAMES = [
  'sales',
  'human-resources',
  'a',
  'a1',
  '9lives',
  '-hr',
  'hr-',
  'HR',
  'hr_x',
  'hr.x',
  '',
  'a'.repeat(40),
  'a'.repeat(41),
];
const TEXTS = [
  'Acme contract',
  `it's 100% "quoted"; _x_`,
  '',
  '   ',
  'x'.repeat(1000),
  'x'.repeat(1024),
  'x'.repeat(1025),
  'é'.repeat(512),
  'é'.repeat(513),
  ` ${'x'.repeat(1024)} `,
  'a\u0000b',
];
const LIMITS = [undefined, 1, 10, 50, 0, 51, 2.5];

const ctx = { department: 'hr', sessionId: 'AJ_session', signal: new AbortController().signal };

describe('the cross-department tools against the gateway contract', () => {
  const { gateway, sent } = capturingGateway();
  const tools = crossDepartmentTools(gateway);

  it('does offer one tool per gateway search type', () => {
    expect(tools.map((t) => t.name).sort()).toEqual([...SEARCH_TYPES].sort());
  });

  it('does accept exactly the searches the gateway accepts', () => {
    const cases = [
      ...NAMES.map((department) => ({ department, query: 'Acme', limit: 5 })),
      ...TEXTS.map((query) => ({ department: 'sales', query, limit: undefined })),
      ...LIMITS.map((limit) => ({ department: 'sales', query: 'Acme', limit })),
    ];
    for (const tool of tools) {
      for (const args of cases) {
        const body = crossDeptQueryBody({
          target: args.department,
          queryType: tool.name as GatewayQuery['queryType'],
          query: args.query,
          limit: args.limit,
          sessionId: ctx.sessionId,
        });
        const verdict = { agent: tool.parameters.safeParse(args).success };
        expect(verdict, `${tool.name} ${JSON.stringify(args).slice(0, 80)}`).toEqual({
          agent: crossDeptQueryRequest.safeParse(body).success,
        });
      }
    }
  });

  it('does send a body the gateway parses, with its default limit when the LLM sets none', async () => {
    for (const tool of tools as AgentTool[]) {
      const args = tool.parameters.parse({ department: 'sales', query: '  Acme contract ' });
      await tool.run(args, { ...ctx, sessionId: 'S'.repeat(150) });
    }
    expect(sent.map((q) => q.queryType).sort()).toEqual([...SEARCH_TYPES].sort());
    for (const q of sent) {
      expect(crossDeptQueryRequest.parse(crossDeptQueryBody(q))).toMatchObject({
        target_department_id: 'sales',
        query_params: { query: 'Acme contract', limit: 10 },
      });
    }
  });
});

describe('the vector_store tool against the gateway contract', () => {
  it("does accept exactly the searches the gateway's document search accepts", () => {
    const { gateway } = capturingGateway();
    const tool = vectorStoreTool({} as N8nWebhooks, gateway);
    const cases: { query: string; limit?: number | undefined }[] = [
      ...TEXTS.map((query) => ({ query })),
      ...LIMITS.map((limit) => ({ query: 'Acme', limit })),
    ];
    for (const args of cases) {
      const body = searchBody(args.query, args.limit);
      expect(tool.parameters.safeParse(args).success, JSON.stringify(args).slice(0, 80)).toBe(
        documentSearchRequest.safeParse(body).success,
      );
    }
  });
});

describe('the department name rule', () => {
  it('does accept the same names in the agent, the gateway and the CRD', () => {
    const crd = (name: string) => name.length <= DEPARTMENT_NAME_MAX && new RegExp(DEPARTMENT_NAME_PATTERN).test(name);
    for (const name of NAMES) {
      expect(
        {
          agentEnv: agentEnv.shape.DEPARTMENT_ID.safeParse(name).success,
          agentTools: crossDepartmentTools(capturingGateway().gateway)[0]?.parameters.shape.department?.safeParse(name)
            .success,
          gatewayToken: platformClaims.shape.dept.safeParse(name).success,
        },
        name,
      ).toEqual({ agentEnv: crd(name), agentTools: crd(name), gatewayToken: crd(name) });
    }
  });
});
