/**
 * Global setup of the kernel tier: checks qemu, then fetches (or finds cached) each kernel and
 * builds its initramfs with the current agent bundle, and hands the list to the test files
 * (`inject('kernels')`). Anything missing is an error that names it: the tier fails loudly,
 * it never skips.
 *
 * WGPILOT_KERNELS=debian12 (comma-separated ids) boots only those kernels.
 */
import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { KERNELS } from './harness/kernels.js';
import { prepareKernels } from './harness/prepare.js';

export default async function setup(project: TestProject): Promise<void> {
  try {
    execFileSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('qemu-system-x86_64 is not installed (Debian package qemu-system-x86; `sudo npm test` installs it)');
  }
  const wanted = process.env.WGPILOT_KERNELS?.split(',').map((s) => s.trim()).filter(Boolean);
  const kernels = wanted ? KERNELS.filter((k) => wanted.includes(k.id)) : KERNELS;
  if (wanted && kernels.length !== wanted.length) {
    throw new Error(`WGPILOT_KERNELS=${process.env.WGPILOT_KERNELS}: known kernels are ${KERNELS.map((k) => k.id).join(', ')}`);
  }
  const started = Date.now();
  project.provide('kernels', await prepareKernels({ kernels }));
  process.stderr.write(`[kernel] ${kernels.length} kernel(s) ready to boot in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
