import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}', 'test/fuzz/**/*.test.ts', 'test/lint/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/interop/**/*.test.ts', 'test/conformance/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 120_000,
          // Real OS links (ptys, sockets) and child processes: keep parallelism modest on 2 cores.
          maxWorkers: 2,
        },
      },
    ],
  },
});
