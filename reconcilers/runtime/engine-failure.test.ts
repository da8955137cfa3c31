import { describe, expect, it } from 'vitest';
import { classifyEngineFailure } from './engine-failure.ts';

/** A failed `pulumi up` as the Automation API reports it (the shape of a real run against the local Railway). */
function commandError(stdoutLines: string[]): Error {
  const stdout = [
    'Updating (exp-a):',
    '    pulumi:pulumi:Stack federation-runtime-exp-a running',
    ...stdoutLines,
    'Resources:',
    '    4 unchanged',
  ].join('\n');
  const stderr =
    'warning: using pulumi-resource-railway from $PATH at /srv/pulumi/railway/bin/pulumi-resource-railway\nerror: update failed';
  const first = `code: 255\n stdout: ${stdout}\n stderr: ${stderr}\n err?: \n`;
  return new Error(`code: -2\n stdout: \n stderr: ${first}\n err?: Error: ${first}\n`);
}

describe('classifyEngineFailure', () => {
  it('names Railway 5xx answers RailwayUnavailable in one line', () => {
    const e = commandError([
      '    railway:index:Service voice-agent  **updating failed** error: Railway service-instance failed: HTTP 503',
      'Diagnostics:',
      '  railway:index:Service (voice-agent):',
      '    error: Railway service-instance failed: HTTP 503',
    ]);
    expect(classifyEngineFailure(e, [])).toEqual({
      reason: 'RailwayUnavailable',
      message: 'Railway is unavailable (HTTP 503 on service-instance); retrying',
    });
  });

  it('names Railway 429 answers RailwayRateLimited, listing each operation once', () => {
    const e = commandError([
      '  railway:index:Domain (domain):',
      '    error: Railway domains failed: HTTP 429',
      '  railway:index:Project (project):',
      '    error: Railway project failed: HTTP 429',
      '    error: Railway project failed: HTTP 429',
    ]);
    expect(classifyEngineFailure(e, [])).toEqual({
      reason: 'RailwayRateLimited',
      message: 'Railway is rate-limiting us (HTTP 429 on domains, project); retrying',
    });
  });

  it('counts an unreachable Railway as unavailable', () => {
    const e = commandError(['    error: Railway project: network error']);
    expect(classifyEngineFailure(e, []).reason).toBe('RailwayUnavailable');
  });

  it('passes Railway’s own refusal on, redacted', () => {
    const e = commandError(['    error: Railway project-create failed: Not Authorized for token tok-12345678']);
    expect(classifyEngineFailure(e, ['tok-12345678'])).toEqual({
      reason: 'RailwayRequestFailed',
      message: 'Railway refused project-create: Not Authorized for token [REDACTED]',
    });
  });

  it('reports other engine errors by their first error line', () => {
    const e = new Error(
      'code: 255\n stdout: \n stderr: error: failed to load plugin railway: no such file\nerror: update failed\n',
    );
    const cause = classifyEngineFailure(e, []);
    expect(cause).toEqual({
      reason: 'EngineFailed',
      message: 'Pulumi: error: failed to load plugin railway: no such file',
    });
    expect(cause.message).not.toContain('\n');
  });
});
