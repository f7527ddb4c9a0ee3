import { defineConfig } from 'vitest/config';

// Two projects: unit tests (no hosts) run in parallel; integration and e2e
// suites start real containers, heavy on a 2-core machine, so their files run
// one at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'src/**/*.test.ts', 'roles/**/*.test.ts', 'playbooks/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'hosts',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
