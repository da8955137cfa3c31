import { describe, expect, it } from 'vitest';
import { parseAgentEnv } from '../config/env.ts';
import { resolveSettings } from '../config/settings.ts';
import { instructions } from './instructions.ts';

const base = {
  DEPARTMENT_ID: 'hr',
  DEPARTMENT_NAME: 'Human Resources',
  LIVEKIT_URL: 'ws://127.0.0.1:7880',
  LIVEKIT_API_KEY: 'k',
  LIVEKIT_API_SECRET: 's',
  DB_HOST: '127.0.0.1',
  DB_NAME: 'federation',
  DB_SCHEMA: 'hr_tenant',
  DB_USER: 'hr_role',
  DB_PASSWORD: 'pw',
  CEREBRAS_API_KEY: 'c',
  DEEPGRAM_API_KEY: 'd',
  CARTESIA_API_KEY: 'x',
};

const told = (env: Record<string, string>) => {
  const parsed = parseAgentEnv({ ...base, ...env });
  return instructions(parsed, resolveSettings(parsed, ['vector_store']));
};

describe('instructions', () => {
  it('does tell the LLM the department’s custom settings', () => {
    const text = told({ CUSTOM_SETTINGS: '{"greeting":"Welcome to HR","escalation":{"afterMinutes":5}}' });
    expect(text).toContain('You are the voice assistant of the Human Resources department.');
    expect(text).toContain('custom settings (JSON): {"greeting":"Welcome to HR","escalation":{"afterMinutes":5}}');
  });

  it('does say nothing about custom settings when there are none', () => {
    expect(told({})).not.toContain('custom settings');
  });
});
