import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './controller/platform/database/federation-schema.ts',
  out: './controller/platform/database/drizzle',
  schemaFilter: ['federation'],
});
