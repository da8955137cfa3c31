import { describe, expect, it } from 'vitest';
import { csvLine } from './entries.ts';

describe('csvLine', () => {
  it.each([
    ['=cmd()', "'=cmd()"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=cmd()', "'\t=cmd()"],
    ['\r=cmd()', '"\'\r=cmd()"'],
    ['\n=cmd()', '"\'\n=cmd()"'],
    [' =cmd()', "' =cmd()"],
    ['\u3000=cmd()', "'\u3000=cmd()"],
    ['＝cmd()', "'＝cmd()"],
    ['＋1', "'＋1"],
    ['－1', "'－1"],
    ['＠x', "'＠x"],
  ])('does defuse a cell that begins like a formula: %j', (cell, written) => {
    expect(csvLine([cell])).toBe(`${written}\r\n`);
  });

  it('does leave ordinary cells as they are and quote per RFC 4180', () => {
    expect(csvLine(['hr', 'a,b', 'say "hi"', 'x=1', ''])).toBe('hr,"a,b","say ""hi""",x=1,\r\n');
  });
});
