/**
 * One booted guest per kernel for the whole tier, and one agent session per guest: booting a
 * guest and starting the agent under emulation cost ~10–30 s, so scenario files share them
 * (the kernel project runs its files in one worker without isolation, see vitest.config.ts)
 * instead of paying that per file. Scenarios keep to their own names (namespaces, interfaces,
 * subnets) and remove what they make.
 *
 * The guests are killed when the worker exits (and, should the worker die hard, by the kernel:
 * qemu runs with a parent-death signal).
 */
import fs from 'node:fs';
import path from 'node:path';
import { agentSession, type AgentSession } from './agent.js';
import type { BootableKernel } from './prepare.js';
import { GuestVm } from './vm.js';

const guests = new Map<string, Promise<GuestVm>>();
const agents = new Map<string, Promise<AgentSession>>();
const booted: GuestVm[] = [];

/** Where each guest's serial console is written as it arrives (test-artifacts/kernel/). */
const artifacts = path.resolve(process.env.WGPILOT_ARTIFACTS ?? path.join(import.meta.dirname, '../../../test-artifacts'), 'kernel');

export function guestFor(k: BootableKernel): Promise<GuestVm> {
  let g = guests.get(k.kernel.spec.id);
  if (!g) {
    fs.mkdirSync(artifacts, { recursive: true });
    const consoleLog = path.join(artifacts, `${k.kernel.spec.id}-console.log`);
    fs.writeFileSync(consoleLog, '');
    g = GuestVm.boot({ kernel: k.kernel, initrd: k.initrd, onConsole: (line) => fs.appendFileSync(consoleLog, `${line}\n`) }).then((vm) => {
      booted.push(vm);
      return vm;
    });
    // A failed boot is reported by every suite that asks, not cached as a success.
    g.catch(() => guests.delete(k.kernel.spec.id));
    guests.set(k.kernel.spec.id, g);
  }
  return g;
}

/** agentFor is the guest's shared `wgpilot-agent stdio` session (state in /tmp/wgpilot-shared). */
export function agentFor(k: BootableKernel): Promise<AgentSession> {
  let a = agents.get(k.kernel.spec.id);
  if (!a) {
    a = guestFor(k).then((vm) => agentSession(vm, { stateDir: '/tmp/wgpilot-shared' }));
    a.catch(() => agents.delete(k.kernel.spec.id));
    agents.set(k.kernel.spec.id, a);
  }
  return a;
}

process.once('exit', () => {
  for (const vm of booted) vm.killNow();
});
