import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { railwaySchema } from '../../e2e/railway/schema.ts';
import { operationFiles } from './operations.ts';

describe('railway operations', () => {
  const files = operationFiles();

  it('has the operations the provider uses', () => {
    expect(files.length).toBeGreaterThanOrEqual(17);
  });

  for (const file of files) {
    it(`validates ${basename(file)} against Railway's published schema`, () => {
      const doc = parse(readFileSync(file, 'utf8'));
      expect(validate(railwaySchema(), doc).map((e) => e.message)).toEqual([]);
      expect(doc.definitions).toHaveLength(1);
    });
  }
});
