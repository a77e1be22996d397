import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// Three tiers, selected by `--project`:
//   unit         pure code, fakes at layer boundaries; no root, no kernel, no network
//   integration  the real kernel in throwaway namespaces or the lab (root; serial)
//   e2e          real OpenSSH + agent + Chromium driven by Playwright (root; serial)
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [vue()],
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'agent/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
