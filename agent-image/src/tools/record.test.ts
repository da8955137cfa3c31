import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ToolCallEnd, ToolCallLog, ToolCallStart } from '../db/tool-calls.ts';
import { recordedTool } from './record.ts';
import { defineTool, type ToolOutcome } from './tool.ts';

function memoryLog() {
  const events: (['start', ToolCallStart] | ['finish', string, ToolCallEnd])[] = [];
  const log = {
    start: async (c: ToolCallStart) => void events.push(['start', c]),
    finish: async (id: string, e: ToolCallEnd) => void events.push(['finish', id, e]),
  } as unknown as ToolCallLog;
  return { log, events };
}

const echo = (outcome: () => Promise<ToolOutcome>) =>
  defineTool({ name: 'echo', description: 'Echo.', parameters: z.object({ text: z.string() }), run: outcome });

async function call(tool: ReturnType<typeof echo>, deps: ReturnType<typeof memoryLog>) {
  const wrapped = recordedTool(tool, { department: 'hr', sessionId: 'AJ_1', log: deps.log });
  return wrapped.execute({ text: 'hi' }, {
    toolCallId: 'call_1',
    abortSignal: new AbortController().signal,
  } as never);
}

describe('recordedTool', () => {
  it('does record EXECUTING before the tool runs and COMPLETED with its result after', async () => {
    const deps = memoryLog();
    const result = await call(
      echo(async () => ({ status: 'COMPLETED', result: { ok: 1 } })),
      deps,
    );
    expect(result).toEqual({ ok: 1 });
    expect(deps.events[0]).toEqual([
      'start',
      { toolCallId: 'AJ_1:call_1', sessionId: 'AJ_1', functionName: 'echo', parameters: { text: 'hi' } },
    ]);
    expect(deps.events[1]).toMatchObject(['finish', 'AJ_1:call_1', { status: 'COMPLETED', result: { ok: 1 } }]);
  });

  it('does hand the LLM the refusal to relay and record it as FAILED', async () => {
    const deps = memoryLog();
    const result = await call(
      echo(async () => ({ status: 'FAILED', error: '403 no grant', say: 'Not allowed.' })),
      deps,
    );
    expect(result).toBe('Not allowed.');
    expect(deps.events[1]).toMatchObject([
      'finish',
      'AJ_1:call_1',
      { status: 'FAILED', errorMessage: '403 no grant', voiceResponse: 'Not allowed.' },
    ]);
  });

  it('does turn an exception into a FAILED call the LLM can speak about', async () => {
    const deps = memoryLog();
    const result = await call(
      echo(async () => {
        throw new Error('boom');
      }),
      deps,
    );
    expect(result).toBe('The echo tool failed unexpectedly.');
    expect(deps.events[1]).toMatchObject(['finish', 'AJ_1:call_1', { status: 'FAILED', errorMessage: 'boom' }]);
  });

  it('does not run a call it cannot record', async () => {
    let ran = false;
    const log = {
      start: async () => {
        throw new Error('database down');
      },
    } as unknown as ToolCallLog;
    const tool = echo(async () => {
      ran = true;
      return { status: 'COMPLETED', result: null };
    });
    await expect(call(tool, { log, events: [] })).rejects.toThrow('database down');
    expect(ran).toBe(false);
  });
});
