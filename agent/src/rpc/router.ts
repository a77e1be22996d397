/**
 * The agent's root router. `AgentRouter` is the one contract of the desktop (main and renderer
 * import it as a type only). Each domain adds its router here under its own namespace; the
 * namespaces are also the `capabilities` of the hello.
 */
import type { AnyRouter } from '@trpc/server';
import { auditRouter, settingsRouter } from './routers/admin.js';
import { bridgesRouter } from './routers/bridges.js';
import { monitorRouter, reconcileRouter } from './routers/monitor.js';
import { networksRouter } from './routers/networks.js';
import { peersRouter } from './routers/peers.js';
import { systemRouter } from './routers/system.js';
import { router } from './trpc.js';

export const agentRouter = router({
  system: systemRouter,
  networks: networksRouter,
  peers: peersRouter,
  bridges: bridgesRouter,
  reconcile: reconcileRouter,
  monitor: monitorRouter,
  settings: settingsRouter,
  audit: auditRouter,
});

export type AgentRouter = typeof agentRouter;

/** The top-level namespaces a router serves, for the hello's `capabilities`. */
export function capabilitiesOf(r: AnyRouter): string[] {
  return Object.keys(r._def.record).sort();
}
