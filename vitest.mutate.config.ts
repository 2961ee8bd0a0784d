// The suites Stryker runs against each mutant (npm run mutate): the unit tests and the in-process service
// suites on PGlite. End-to-end suites spawn processes the mutant is not active in, and the SDK suites reach
// the service through the same routes as the service suites, so they would mostly cost time.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    // Instrumented code is slower, and Stryker times each mutant out itself (timeoutMS): a test hitting
    // vitest's own limit would fail the initial run and stop the whole run.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true as const, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true as const,
        test: {
          name: 'pglite',
          include: ['test/service/**/*.test.ts'],
          env: { TEST_DB: 'pglite' },
        },
      },
    ],
  },
})
