/**
 * The guest's `call` methods: agent code a host-side test runs inside the guest, against the
 * guest's kernel. A feature adds its own file here (tc, routes, conntrack…) and spreads its ops
 * into GUEST_OPS; the host's `guest.call(name, args)` is typed from this object.
 */
import { wireguardOps } from './wireguard.js';

export const GUEST_OPS = {
  ...wireguardOps,
};

export type GuestOps = typeof GUEST_OPS;
