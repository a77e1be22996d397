/**
 * Options of the host services shared by serve, stdio and call: flags win over the
 * environment, so tests run several agents side by side, each against its own namespace.
 *
 *   --netns NS              $WGPILOT_NETNS               manage this named network namespace (tests)
 *   --interface-prefix P    $WGPILOT_INTERFACE_PREFIX    auto-named interfaces are P0, P1, … (default wg)
 *   --wireguard-go PATH     $WGPILOT_WIREGUARD_GO        the wireguard-go binary
 *                           $WGPILOT_RECONCILE_INTERVAL_MS, $WGPILOT_MONITOR_INTERVAL_MS (0 = off)
 */
import type { Logger } from '../log.js';
import type { AgentServices } from '../rpc/trpc.js';
import { openHostServices, type DomainServices, type HostServicesOptions } from '../services/index.js';
import { flag, stateDir } from './options.js';

export function hostOptions(args: readonly string[], env: NodeJS.ProcessEnv): HostServicesOptions {
  const netns = flag(args, '--netns') ?? (env.WGPILOT_NETNS || undefined);
  const prefix = flag(args, '--interface-prefix') ?? (env.WGPILOT_INTERFACE_PREFIX || undefined);
  const wgGo = flag(args, '--wireguard-go') ?? (env.WGPILOT_WIREGUARD_GO || undefined);
  const ms = (v: string | undefined): number | undefined => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const reconcile = ms(env.WGPILOT_RECONCILE_INTERVAL_MS);
  const monitor = ms(env.WGPILOT_MONITOR_INTERVAL_MS);
  return {
    ...(netns ? { netns } : {}),
    ...(prefix ? { interfacePrefix: prefix } : {}),
    ...(wgGo ? { wireguardGo: wgGo } : {}),
    ...(reconcile !== undefined ? { reconcileIntervalMs: reconcile } : {}),
    ...(monitor !== undefined ? { monitorIntervalMs: monitor } : {}),
  };
}

/**
 * openDomain opens the database and the kernel for a command; when that is impossible here
 * (not root, no netlink) it logs why and returns undefined, so the process still serves the
 * protocol and the domain procedures answer UNSUPPORTED with the reason in the log.
 */
export async function openDomain(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  log: Logger,
  extra: Partial<HostServicesOptions> = {},
): Promise<DomainServices | undefined> {
  try {
    return await openHostServices(stateDir(args, env), log, { ...hostOptions(args, env), ...extra });
  } catch (err) {
    log.error('host services unavailable', { error: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
}

/**
 * lazyDomain: services for an in-process carrier that open the domain on the first domain
 * call (and start it when `start`), plus the close for the end of the session.
 */
export function lazyDomain(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  log: Logger,
  extra: Partial<HostServicesOptions>,
  start: boolean,
): { services: AgentServices; close: () => Promise<void> } {
  let opening: Promise<DomainServices | undefined> | undefined;
  const services: AgentServices = {
    openDomain: () =>
      (opening ??= openDomain(args, env, log, extra).then(async (d) => {
        if (d && start) await d.start().catch((err: unknown) => log.error('reconcile at start failed', { error: err }));
        return d;
      })),
  };
  return { services, close: async () => void (await (await opening)?.close()) };
}
