import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './reconcilers/postgres/federation-schema.ts',
  out: './reconcilers/postgres/drizzle',
  schemaFilter: ['federation'],
});
