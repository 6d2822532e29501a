import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each test file's temporary files in a directory of its own, removed after it.
    setupFiles: ['test/setup/tmpdir.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests spawn containers; keep files sequential on a 2-core machine.
    fileParallelism: false,
    // `make coverage`: the runtime operations as the unit tests (fake backend) reach them.
    coverage: {
      provider: 'v8',
      include: ['src/runtime/**/*.ts'],
      reporter: ['text-summary', 'text'],
      reportsDirectory: 'build/coverage',
      // Measured at 98 % of lines; a drop below these fails `make coverage`.
      thresholds: { lines: 95, branches: 90 },
    },
  },
});
