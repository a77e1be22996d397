/**
 * prepareKernels gets everything the tier boots, once per run (vitest global setup): busybox,
 * each kernel, and each kernel's initramfs with the current agent bundle. Any failure here is
 * an error naming what could not be had — the tier never skips itself.
 */
import fs from 'node:fs';
import { bootImage, findAgentBundle } from './initramfs.js';
import { KERNELS, prepareBusybox, prepareKernel, type KernelSpec, type PreparedKernel } from './kernels.js';

/** Where downloads and images are kept between runs (outside the repository). */
export const DEFAULT_CACHE_DIR = '/var/cache/wgpilot-kernel';

export interface BootableKernel {
  kernel: PreparedKernel;
  initrd: string;
}

export async function prepareKernels(opts: { cacheDir?: string; kernels?: readonly KernelSpec[]; log?: (msg: string) => void } = {}): Promise<BootableKernel[]> {
  const cacheDir = opts.cacheDir ?? process.env.WGPILOT_KERNEL_CACHE ?? DEFAULT_CACHE_DIR;
  const log = opts.log ?? ((m: string) => process.stderr.write(`[kernel] ${m}\n`));
  fs.mkdirSync(cacheDir, { recursive: true });
  const agentBundle = findAgentBundle();
  const busybox = await prepareBusybox(cacheDir);
  const out: BootableKernel[] = [];
  for (const spec of opts.kernels ?? KERNELS) {
    const kernel = await prepareKernel(spec, cacheDir, busybox, log);
    const started = Date.now();
    const initrd = await bootImage(kernel, { cacheDir, busybox, agentBundle });
    log(`${spec.label}: ${kernel.release}, initramfs ${(fs.statSync(initrd).size / 1e6).toFixed(0)} MB ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    out.push({ kernel, initrd });
  }
  return out;
}
