import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// Four tiers, selected by `--project`:
//   unit         pure code, fakes at layer boundaries; no root, no kernel, no network
//   integration  the real kernel in throwaway namespaces or the lab (root; serial)
//   kernel       stock Debian kernels (WireGuard module, flower, fq_codel…) under qemu (test/kernel/)
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
          name: 'kernel',
          include: ['test/kernel/**/*.test.ts'],
          globalSetup: ['test/kernel/global-setup.ts'],
          // One worker, no isolation between files: the booted guests and the agent session in
          // them (test/kernel/harness/pool.ts) are shared by every scenario file.
          fileParallelism: false,
          isolate: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
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
