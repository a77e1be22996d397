/**
 * The host services of serve, stdio and call, built from the command's settings (options.ts):
 * the state dir, the namespace to manage (tests), the interface prefix, the wireguard-go binary
 * and the timers.
 */
import type { Logger } from '../log.js';
import type { AgentServices } from '../rpc/trpc.js';
import { openHostServices, type DomainServices, type HostServicesOptions } from '../services/index.js';
import type { AgentSettings } from './options.js';

export function hostOptions(s: AgentSettings): HostServicesOptions {
  return {
    ...(s.netns ? { netns: s.netns } : {}),
    ...(s.interfacePrefix ? { interfacePrefix: s.interfacePrefix } : {}),
    ...(s.wireguardGo ? { wireguardGo: s.wireguardGo } : {}),
    ...(s.reconcileIntervalMs !== undefined ? { reconcileIntervalMs: s.reconcileIntervalMs } : {}),
    ...(s.monitorIntervalMs !== undefined ? { monitorIntervalMs: s.monitorIntervalMs } : {}),
  };
}

/**
 * openDomain opens the database and the kernel for a command; when that is impossible here
 * (not root, no netlink) it logs why and returns undefined, so the process still serves the
 * protocol and the domain procedures answer UNSUPPORTED with the reason in the log.
 */
export async function openDomain(
  settings: AgentSettings,
  log: Logger,
  extra: Partial<HostServicesOptions> = {},
): Promise<DomainServices | undefined> {
  try {
    return await openHostServices(settings.stateDir, log, { ...hostOptions(settings), ...extra });
  } catch (err) {
    log.error('host services unavailable', { error: err });
    return undefined;
  }
}

/**
 * lazyDomain: services for an in-process carrier that open the domain on the first domain
 * call (and start it when `start`), plus the close for the end of the session.
 */
export function lazyDomain(
  settings: AgentSettings,
  log: Logger,
  extra: Partial<HostServicesOptions>,
  start: boolean,
): { services: AgentServices; close: () => Promise<void> } {
  let opening: Promise<DomainServices | undefined> | undefined;
  const services: AgentServices = {
    openDomain: () =>
      (opening ??= openDomain(settings, log, extra).then(async (d) => {
        if (d && start) await d.start().catch((err: unknown) => log.error('reconcile at start failed', { error: err }));
        return d;
      })),
  };
  return { services, close: async () => void (await (await opening)?.close()) };
}
