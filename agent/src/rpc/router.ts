/**
 * The agent's root router. `AgentRouter` is the one contract of the desktop (main and renderer
 * import it as a type only). Each domain adds its router here under its own namespace; the
 * namespaces are also the `capabilities` of the hello.
 */
import type { AnyRouter } from '@trpc/server';
import { systemRouter } from './routers/system.js';
import { router } from './trpc.js';

export const agentRouter = router({
  system: systemRouter,
});

export type AgentRouter = typeof agentRouter;

/** The top-level namespaces a router serves, for the hello's `capabilities`. */
export function capabilitiesOf(r: AnyRouter): string[] {
  return Object.keys(r._def.record).sort();
}
