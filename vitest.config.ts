import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'grammar/**/*.test.ts',
      'compiler/**/*.test.ts',
      'runtime/**/*.test.ts',
      'test/**/*.test.ts',
      'bin/**/*.test.ts',
      'broker/**/*.test.ts',
    ],
    // Two cores on every machine: one worker per core keeps CPU-heavy suites from starving.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
