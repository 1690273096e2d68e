import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // bounds against a hang, not figures: a loaded machine only makes tests slower
    testTimeout: 240_000,
    hookTimeout: 240_000,
    pool: 'forks',
    // two cores here: two test files at a time
    maxWorkers: 2,
    reporters: ['default'],
    // every test file kills the processes it started (tests/setup.ts); the suite checks that none is left
    setupFiles: ['tests/setup.ts'],
    globalSetup: ['tests/global-teardown.ts']
  }
})
