import { kubectl } from '../testenv/kubectl.ts';

/**
 * The example Departments' phases once they settle (Active or Failed), waiting at most `timeoutMs`; whatever they
 * are by then otherwise.
 */
export async function examplePhases(kubeconfig: string, timeoutMs = 90_000): Promise<[string, string][]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await kubectl(kubeconfig, [
      'get',
      'dept',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.status.phase}{"\\n"}{end}',
    ]);
    const phases = stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('=') as [string, string]);
    const settled = phases.every(([, p]) => p === 'Active' || p === 'Failed');
    if ((settled && phases.length > 0) || Date.now() > deadline) return phases;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** One table: each component and its URL, each example Department and its phase, what to try. */
export function printSummary(
  log: (line: string) => void,
  s: { components: [string, string][]; departments: [string, string][]; hints: string[] },
): void {
  const width = Math.max(...s.components.map(([n]) => n.length), ...s.departments.map(([n]) => n.length + 11));
  log('');
  for (const [name, where] of s.components) log(`  ${name.padEnd(width)}  ${where}`);
  for (const [name, phase] of s.departments) log(`  ${`department ${name}`.padEnd(width)}  ${phase || 'Pending'}`);
  log('');
  log('Try:');
  for (const hint of s.hints) log(`  ${hint}`);
}
