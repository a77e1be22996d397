/**
 * bridges: controlled forwarding between two networks (direction, optional destination CIDRs,
 * enable/disable), enforced with nftables rules in the agent's table.
 */
import { z } from 'zod';
import type { Bridge } from '../../domain/model.js';
import type { KernelOutcome } from '../../services/write.js';
import { router } from '../trpc.js';
import { bridgeDto, byId, domainProcedure, id, kernelDto, services } from './shared.js';

const direction = z.enum(['a_to_b', 'b_to_a', 'bidirectional']);
const write = (r: { bridge: Bridge; kernel: KernelOutcome }) => ({ bridge: bridgeDto(r.bridge), kernel: kernelDto(r.kernel) });

export const bridgesRouter = router({
  list: domainProcedure.query(({ ctx }) => services(ctx).bridges.list().map(bridgeDto)),

  get: domainProcedure.input(byId).query(({ ctx, input }) => bridgeDto(services(ctx).bridges.get(input.id))),

  create: domainProcedure
    .input(z.object({ networkAId: id, networkBId: id, direction: direction.optional(), allowedCidrs: z.array(z.string()).optional(), enabled: z.boolean().optional() }))
    .mutation(async ({ ctx, input }) => write(await services(ctx).bridges.create(input, ctx.user))),

  update: domainProcedure
    .input(z.object({ id, patch: z.object({ direction: direction.optional(), allowedCidrs: z.array(z.string()).optional(), enabled: z.boolean().optional() }) }))
    .mutation(async ({ ctx, input }) => write(await services(ctx).bridges.update(input.id, input.patch, ctx.user))),

  enable: domainProcedure.input(byId).mutation(async ({ ctx, input }) => write(await services(ctx).bridges.setEnabled(input.id, true, ctx.user))),

  disable: domainProcedure.input(byId).mutation(async ({ ctx, input }) => write(await services(ctx).bridges.setEnabled(input.id, false, ctx.user))),

  delete: domainProcedure.input(byId).mutation(async ({ ctx, input }) => {
    const r = await services(ctx).bridges.delete(input.id, ctx.user);
    return { deleted: bridgeDto(r.deleted), kernel: kernelDto(r.kernel) };
  }),
});
