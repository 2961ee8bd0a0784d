// Test projects: pure unit and infrastructure suites run once; the suites that need a database run on PGlite,
// and again on the PostgreSQL server at DATABASE_URL when it is set (CI sets it).
import { defineConfig } from 'vitest/config'

const dbSuites = [
  'test/service/**/*.test.ts',
  'test/client/**/*.test.ts',
  'test/e2e/**/*.test.ts',
  'examples/**/*.test.ts',
]

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    // Vitest's default on 2 cores is one file at a time; most files wait on the database, spawned processes
    // or the simulator rather than on a core, so three at once finish the suite in about half the time.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true as const, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true as const,
        test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 120_000 },
      },
      // A real browser (Debian's chromium) on the embedded database: once, not per database.
      {
        extends: true as const,
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 60_000 },
      },
      {
        extends: true as const,
        test: { name: 'pglite', include: dbSuites, env: { TEST_DB: 'pglite' } },
      },
      ...(process.env.DATABASE_URL
        ? [
            {
              extends: true as const,
              test: { name: 'postgres', include: dbSuites, env: { TEST_DB: 'postgres' } },
            },
          ]
        : []),
    ],
  },
})
