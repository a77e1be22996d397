/**
 * What the domain routers share: the procedure that translates service errors into app codes
 * (one point of translation), access to the domain services, and the explicit output shapes
 * (DTOs). Outputs are plain JSON — dates as ISO strings, counters as numbers — and never carry
 * a private or preshared key; `peers.config` is the one procedure that returns one.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Bridge, Network, Peer } from '../../domain/model.js';
import type { Issue } from '../../domain/validate.js';
import type { DomainServices } from '../../services/index.js';
import { ServiceError, toServiceError } from '../../services/errors.js';
import type { KernelOutcome } from '../../services/write.js';
import { procedure } from '../trpc.js';
import type { AgentContext } from '../trpc.js';

/**
 * domainProcedure: every domain procedure. Errors thrown below the API (DbError, validation,
 * kernel errno) are translated by toServiceError into a ServiceError whose `appCode` the error
 * formatter reports; tRPC's own errors (zod input errors) pass unchanged.
 */
export const domainProcedure = procedure.use(async ({ ctx, next }) => {
  if (!ctx.services.domain && ctx.services.openDomain) ctx.services.domain = await ctx.services.openDomain();
  const result = await next();
  if (result.ok || result.error.code !== 'INTERNAL_SERVER_ERROR' || result.error.cause === undefined) return result;
  const se = toServiceError(result.error.cause);
  throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: se.message, cause: se });
});

/** services returns the domain services, or UNSUPPORTED when this process runs without them. */
export function services(ctx: AgentContext): DomainServices {
  const s = ctx.services.domain;
  if (!s) throw new ServiceError('UNSUPPORTED', 'this agent process has no host services (it serves the protocol only)');
  return s;
}

// ---------------------------------------------------------------------------------------------
// Input pieces

export const id = z.number().int().positive();
export const byId = z.object({ id });
export const modeSchema = z.enum(['gateway', 'site-to-site', 'hub-routed']);
/** A timestamp as ISO text or ms since the epoch (JSON has no dates). */
export const instant = z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]).transform((v) => new Date(v));

// ---------------------------------------------------------------------------------------------
// Output shapes

export interface NetworkDto {
  id: number;
  name: string;
  interface: string;
  mode: Network['mode'];
  subnet4: string | null;
  subnet6: string | null;
  address4: string | null;
  address6: string | null;
  listenPort: number;
  publicKey: string;
  dns: string[];
  mtu: number;
  endpointHost: string | null;
  uplinkInterface: string | null;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export function networkDto(n: Network): NetworkDto {
  return {
    id: n.id,
    name: n.name,
    interface: n.interface,
    mode: n.mode,
    subnet4: n.subnet4,
    subnet6: n.subnet6,
    address4: n.address4,
    address6: n.address6,
    listenPort: n.listenPort,
    publicKey: n.publicKey,
    dns: n.dns,
    mtu: n.mtu,
    endpointHost: n.endpointHost,
    uplinkInterface: n.uplinkInterface,
    enabled: n.enabled,
    createdAt: n.createdAt.toISOString(),
    updatedAt: n.updatedAt.toISOString(),
  };
}

export interface PeerDto {
  id: number;
  networkId: number;
  name: string;
  email: string | null;
  role: Peer['role'];
  address4: string | null;
  address6: string | null;
  publicKey: string;
  /** Whether the host holds this peer's private key (config download possible). */
  hasPrivateKey: boolean;
  hasPresharedKey: boolean;
  siteNetworks: string[];
  allowedIps: string[] | null;
  endpoint: string | null;
  persistentKeepalive: number;
  enabled: boolean;
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function peerDto(p: Peer): PeerDto {
  return {
    id: p.id,
    networkId: p.networkId,
    name: p.name,
    email: p.email,
    role: p.role,
    address4: p.address4,
    address6: p.address6,
    publicKey: p.publicKey,
    hasPrivateKey: p.hasPrivateKey,
    hasPresharedKey: p.hasPresharedKey,
    siteNetworks: p.siteNetworks,
    allowedIps: p.allowedIps,
    endpoint: p.endpoint,
    persistentKeepalive: p.persistentKeepalive,
    enabled: p.enabled,
    expiresAt: p.expiresAt?.toISOString() ?? null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export interface BridgeDto {
  id: number;
  networkAId: number;
  networkBId: number;
  direction: Bridge['direction'];
  allowedCidrs: string[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export function bridgeDto(b: Bridge): BridgeDto {
  return {
    id: b.id,
    networkAId: b.networkAId,
    networkBId: b.networkBId,
    direction: b.direction,
    allowedCidrs: b.allowedCidrs,
    enabled: b.enabled,
    createdAt: b.createdAt.toISOString(),
    updatedAt: b.updatedAt.toISOString(),
  };
}

export function kernelDto(k: KernelOutcome): { applied: boolean; error: string | null; pendingOpId: number | null } {
  return { applied: k.applied, error: k.error ?? null, pendingOpId: k.pendingOpId ?? null };
}

export function issuesDto(issues: readonly Issue[]): Array<{ field: string; message: string }> {
  return issues.map((i) => ({ field: i.field, message: i.message }));
}

/** isAbort: the subscription was stopped (signal aborted), not failed. */
export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR');
}
