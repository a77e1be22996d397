/**
 * peers: the clients and site gateways of a network — CRUD, enable/disable, live status (and
 * a subscription of it), and the client configuration download, which is the only procedure
 * whose output contains a private key.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Issue } from '../../domain/validate.js';
import type { Peer } from '../../domain/model.js';
import type { KernelOutcome } from '../../services/write.js';
import { router } from '../trpc.js';
import { byId, domainProcedure, id, instant, isAbort, issuesDto, kernelDto, peerDto, services } from './shared.js';

const peerFields = {
  name: z.string(),
  email: z.string().nullable().optional(),
  role: z.enum(['client', 'site-gateway']).optional(),
  address4: z.string().nullable().optional(),
  address6: z.string().nullable().optional(),
  siteNetworks: z.array(z.string()).optional(),
  allowedIps: z.array(z.string()).nullable().optional(),
  endpoint: z.string().nullable().optional(),
  persistentKeepalive: z.number().int().optional(),
  expiresAt: instant.nullable().optional(),
  enabled: z.boolean().optional(),
};

const newPeer = z.object({
  ...peerFields,
  /** The client's own public key (base64); the host then keeps no private key for it. */
  publicKey: z.string().optional(),
  /** true: generate a preshared key; a string: use this base64 key. */
  presharedKey: z.union([z.boolean(), z.string()]).optional(),
});

const write = (r: { peer: Peer; warnings: Issue[]; kernel: KernelOutcome }) => ({ peer: peerDto(r.peer), warnings: issuesDto(r.warnings), kernel: kernelDto(r.kernel) });

export const peersRouter = router({
  list: domainProcedure.input(z.object({ networkId: id.optional() }).optional()).query(({ ctx, input }) => services(ctx).peers.list(input?.networkId).map(peerDto)),

  get: domainProcedure.input(byId).query(({ ctx, input }) => peerDto(services(ctx).peers.get(input.id))),

  /** Creates a peer: keys generated on the host (sealed), address allocated, applied live. */
  create: domainProcedure
    .input(newPeer.extend({ networkId: id }))
    .mutation(async ({ ctx, input }) => {
      const { networkId, ...peer } = input;
      return write(await services(ctx).peers.create(networkId, peer, ctx.user));
    }),

  /** Creates many peers in one transaction and one device write. */
  createMany: domainProcedure
    .input(z.object({ networkId: id, peers: z.array(newPeer).min(1).max(10_000) }))
    .mutation(async ({ ctx, input }) => {
      const r = await services(ctx).peers.createMany(input.networkId, input.peers, ctx.user);
      return { peers: r.peers.map(peerDto), warnings: issuesDto(r.warnings), kernel: kernelDto(r.kernel) };
    }),

  update: domainProcedure
    .input(z.object({ id, patch: z.object(peerFields).partial() }))
    .mutation(async ({ ctx, input }) => write(await services(ctx).peers.update(input.id, input.patch, ctx.user))),

  enable: domainProcedure.input(byId).mutation(async ({ ctx, input }) => write(await services(ctx).peers.setEnabled(input.id, true, ctx.user))),

  disable: domainProcedure.input(byId).mutation(async ({ ctx, input }) => write(await services(ctx).peers.setEnabled(input.id, false, ctx.user))),

  delete: domainProcedure.input(byId).mutation(async ({ ctx, input }) => {
    const r = await services(ctx).peers.delete(input.id, ctx.user);
    return { deleted: peerDto(r.deleted), kernel: kernelDto(r.kernel) };
  }),

  /**
   * The client's wg-quick file and its QR code (SVG, and PNG as base64). THE ONLY procedure
   * that returns a private key; treat its output like the key itself.
   */
  config: domainProcedure.input(byId).query(({ ctx, input }) => services(ctx).peers.config(input.id, ctx.user)),

  /** Live status of a network's peers from its device: online, last handshake, rx/tx, endpoint, keepalive. */
  status: domainProcedure.input(z.object({ networkId: id })).query(({ ctx, input }) => services(ctx).peers.status(input.networkId)),

  /** The same status every `intervalMs` until stopped. */
  watchStatus: domainProcedure
    .input(z.object({ networkId: id, intervalMs: z.number().int().min(250).max(3_600_000).default(2_000) }))
    .subscription(async function* ({ ctx, input, signal }) {
      const s = services(ctx);
      try {
        while (!signal?.aborted) {
          yield { time: Date.now(), peers: await s.peers.status(input.networkId) };
          await sleep(input.intervalMs, undefined, { signal });
        }
      } catch (err) {
        if (!isAbort(err)) throw err;
      }
    }),
});
