import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Integration tests each open their own database (PGlite in memory, or a
    // private schema on the PostgreSQL server); two workers fit the 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
