import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'roles/**/*.test.ts', 'playbooks/**/*.test.ts'],
    // e2e and integration suites start real containers; they bring their own timeouts.
    testTimeout: 30_000,
    hookTimeout: 600_000,
    // Containers are heavy on a 2-core machine: files run one at a time.
    fileParallelism: false,
  },
});
