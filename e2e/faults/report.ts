import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../testenv/platform.ts';

export interface CaseReport {
  case: string;
  /** Seconds from the fault's removal to convergence (the main figure of the case). */
  convergeSeconds?: number;
  /** Other figures the case prints: calls made while failing, leftover processes, failover time. */
  figures: Record<string, number | string>;
}

const reports: CaseReport[] = [];

/** Starts a case's record; the case fills in its figures as it measures them. */
export function reportFor(name: string): CaseReport {
  const report: CaseReport = { case: name, figures: {} };
  reports.push(report);
  return report;
}

export function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/** The table printed at the end of `npm run test:faults` and kept in .federation/faults-report.json. */
export function writeReport(): string {
  const lines = [
    '| case | converged in | figures |',
    '| ---- | ------------ | ------- |',
    ...reports.map(
      (r) =>
        `| ${r.case} | ${r.convergeSeconds === undefined ? '-' : `${r.convergeSeconds} s`} | ${Object.entries(r.figures)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; ')} |`,
    ),
  ];
  const dir = join(REPO_ROOT, '.federation');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'faults-report.json'), `${JSON.stringify(reports, null, 2)}\n`);
  return lines.join('\n');
}
