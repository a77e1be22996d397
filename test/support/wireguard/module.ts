/**
 * hostWireGuardModule says whether this host's kernel can provide WireGuard, read from the
 * kernel's own files rather than through the code under test: loaded (`/sys/module/wireguard`),
 * built in (`modules.builtin`) or loadable on demand (`modules.dep`) for the running kernel.
 * Tests that must hold on both kinds of host (module or wireguard-go) branch on it, so the
 * same file passes here (no module) and on a stock distro kernel.
 */
import fs from 'node:fs';
import os from 'node:os';

export function hostWireGuardModule(): boolean {
  if (fs.existsSync('/sys/module/wireguard')) return true;
  const dir = `/lib/modules/${os.release()}`;
  for (const file of ['modules.builtin', 'modules.dep']) {
    try {
      if (/(^|\/)wireguard\.ko/m.test(fs.readFileSync(`${dir}/${file}`, 'utf8'))) return true;
    } catch {
      // no such file: this kernel has no module tree
    }
  }
  return false;
}

/** The device type new interfaces get on this host. */
export const expectedDeviceType = (): 'kernel' | 'userspace' => (hostWireGuardModule() ? 'kernel' : 'userspace');
