import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CARTESIA_DEFAULT_VOICE } from '../../../crds/providers.ts';
import { parseAgentEnv } from './env.ts';
import { resolveSettings, SERVED } from './settings.ts';

const base = {
  DEPARTMENT_ID: 'hr',
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

const settings = (env: Record<string, string> = {}) => resolveSettings(parseAgentEnv({ ...base, ...env }), []);

describe('resolveSettings', () => {
  it('does default to Cerebras llama-3.3-70b, Deepgram nova-3 and Cartesia sonic-3 as the spec does', () => {
    expect(settings()).toEqual({
      department: 'hr',
      agentName: 'aio-hr',
      llm: { provider: 'cerebras', model: 'llama-3.3-70b', temperature: 0.7 },
      stt: { provider: 'deepgram', model: 'nova-3' },
      tts: { provider: 'cartesia', model: 'sonic-3', voice: CARTESIA_DEFAULT_VOICE },
      tools: [],
      customSettings: {},
    });
  });

  it('does carry spec.customSettings from CUSTOM_SETTINGS, and refuses one that is not a JSON object', () => {
    const custom = { greeting: 'Welcome to HR', escalation: { afterMinutes: 5 } };
    expect(settings({ CUSTOM_SETTINGS: JSON.stringify(custom) }).customSettings).toEqual(custom);
    for (const bad of ['[1]', '"text"', '{not json', 'null']) {
      expect(() => settings({ CUSTOM_SETTINGS: bad })).toThrow(
        'CUSTOM_SETTINGS: must be a JSON object (spec.customSettings)',
      );
    }
  });

  it('does take model, temperature and voice from the variables the runtime passes', () => {
    const s = settings({
      LLM_PROVIDER: 'openai',
      LLM_MODEL: 'gpt-4.1',
      LLM_TEMPERATURE: '1.2',
      OPENAI_API_KEY: 'o',
      TTS_VOICE: 'a0e99841-438c-4a64-b679-ae501e7d6091',
    });
    expect(s.llm).toEqual({ provider: 'openai', model: 'gpt-4.1', temperature: 1.2 });
    expect(s.tts).toEqual({ provider: 'cartesia', model: 'sonic-3', voice: 'a0e99841-438c-4a64-b679-ae501e7d6091' });
  });

  it('does refuse a provider it cannot serve, naming the setting', () => {
    expect(() => settings({ LLM_PROVIDER: 'anthropic' })).toThrow(
      'spec.llm.provider anthropic is not served by this agent image (it serves cerebras, openai, google)',
    );
    expect(() => settings({ STT_PROVIDER: 'assemblyai' })).toThrow('spec.stt.provider assemblyai is not served');
    expect(() => settings({ TTS_PROVIDER: 'elevenlabs' })).toThrow('spec.tts.provider elevenlabs is not served');
  });

  it('does refuse a provider whose key is missing, naming the variable', () => {
    expect(() => settings({ LLM_PROVIDER: 'google' })).toThrow('spec.llm.provider google needs GOOGLE_API_KEY');
    expect(() => settings({ DEEPGRAM_API_KEY: '' })).toThrow('spec.stt.provider deepgram needs DEEPGRAM_API_KEY');
  });

  it('does refuse an OpenAI voice that OpenAI does not have', () => {
    expect(() => settings({ TTS_PROVIDER: 'openai', OPENAI_API_KEY: 'o', TTS_VOICE: 'sonic-3' })).toThrow(
      'spec.tts.voice sonic-3 is not an OpenAI voice',
    );
    expect(settings({ TTS_PROVIDER: 'openai', OPENAI_API_KEY: 'o', TTS_VOICE: 'nova' }).tts.voice).toBe('nova');
  });
});

type Schema = { properties?: Record<string, Schema>; enum?: string[] };

/** The provider enums of the Department CRD the API server is given (the generated YAML). */
function crdProviders(): Record<'llm' | 'stt' | 'tts', string[]> {
  const file = fileURLToPath(new URL('../../../crds/departments.federation.synrg.io.yaml', import.meta.url));
  const crd = parse(readFileSync(file, 'utf8'));
  const spec: Schema = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
  const enumOf = (kind: string) => spec.properties?.[kind]?.properties?.provider?.enum ?? [];
  return { llm: enumOf('llm'), stt: enumOf('stt'), tts: enumOf('tts') };
}

describe('the agent and the Department CRD', () => {
  const allKeys = { OPENAI_API_KEY: 'o', GOOGLE_API_KEY: 'g' };

  it('does accept exactly the providers the CRD admits', () => {
    const crd = crdProviders();
    for (const kind of ['llm', 'stt', 'tts'] as const) {
      expect([...SERVED[kind]].sort(), kind).toEqual([...crd[kind]].sort());
    }
  });

  it('does start with every provider the CRD admits', () => {
    const crd = crdProviders();
    for (const provider of crd.llm)
      expect(settings({ ...allKeys, LLM_PROVIDER: provider }).llm.provider).toBe(provider);
    for (const provider of crd.stt)
      expect(settings({ ...allKeys, STT_PROVIDER: provider }).stt.provider).toBe(provider);
    for (const provider of crd.tts) {
      const voice: Record<string, string> = provider === 'openai' ? { TTS_VOICE: 'alloy' } : {};
      expect(settings({ ...allKeys, ...voice, TTS_PROVIDER: provider }).tts.provider).toBe(provider);
    }
  });
});

describe('parseAgentEnv', () => {
  it('does name each bad variable without echoing values', () => {
    const run = () =>
      parseAgentEnv({
        ...base,
        DB_SCHEMA: 'hr; drop',
        LIVEKIT_URL: undefined,
        ENABLED_TOOLS: 'email',
        DB_PASSWORD: 'pw',
      });
    expect(run).toThrow(/DB_SCHEMA: must be a lower-case Postgres identifier/);
    expect(run).toThrow(/LIVEKIT_URL is not set/);
    expect(run).toThrow(/ENABLED_TOOLS: must be a JSON array of tool names/);
    expect(run).not.toThrow(/drop/);
  });
});
