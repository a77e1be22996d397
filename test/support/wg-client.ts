/**
 * A WireGuard client in a lab peer namespace, set up from a wg-quick file the way a client
 * machine would: wireguard-go for the device (this kernel has no module), `wg setconf` with the
 * file stripped of wg-quick's own keys (what `wg-quick strip` does), the Address on the link,
 * MTU, up, and a route for the tunnel's subnet only (not AllowedIPs 0.0.0.0/0, which would take
 * the namespace's default route).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Lab } from '../lab/lab.js';
import { until } from './until.js';

/** wg-quick keys that `wg setconf` does not know. */
const WG_QUICK_ONLY = /^\s*(Address|DNS|MTU|Table|PreUp|PostUp|PreDown|PostDown|SaveConfig)\s*=/i;

export function stripWgQuick(text: string): string {
  return text
    .split('\n')
    .filter((l) => !WG_QUICK_ONLY.test(l))
    .join('\n');
}

export function wgQuickValue(text: string, key: string): string | undefined {
  const m = new RegExp(`^\\s*${key}\\s*=\\s*(.+)$`, 'im').exec(text);
  return m?.[1]?.trim();
}

export interface WgClient {
  ifname: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function bringUpClient(lab: Lab, ns: string, ifname: string, conf: string, routeCidr: string): Promise<WgClient> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-client-'));
  const file = path.join(dir, `${ifname}.conf`);
  fs.writeFileSync(file, stripWgQuick(conf), { mode: 0o600 });
  const child = lab.spawnIn(ns, ['wireguard-go', '-f', ifname], { stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'error' } });
  await until(() => fs.existsSync(`/var/run/wireguard/${ifname}.sock`), 5_000);
  const address = wgQuickValue(conf, 'Address')?.split(',')[0]?.trim();
  const mtu = wgQuickValue(conf, 'MTU');
  await lab.exec(ns, ['wg', 'setconf', ifname, file]);
  if (address) await lab.exec(ns, ['ip', 'address', 'add', address.includes('/') ? address : `${address}/32`, 'dev', ifname]);
  await lab.exec(ns, ['ip', 'link', 'set', ifname, ...(mtu ? ['mtu', mtu] : []), 'up']);
  await lab.exec(ns, ['ip', 'route', 'add', routeCidr, 'dev', ifname]);
  return {
    ifname,
    process: child,
    async stop() {
      await lab.exec(ns, ['ip', 'link', 'del', ifname]).catch(() => undefined);
      if (child.exitCode === null) child.kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
