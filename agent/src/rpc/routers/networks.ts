/**
 * networks: WireGuard networks of the host (one interface each) — CRUD, enable/disable, live
 * status with device type, wg-quick import and adoption of running interfaces.
 */
import { z } from 'zod';
import { router } from '../trpc.js';
import { byId, domainProcedure, id, issuesDto, kernelDto, modeSchema, networkDto, services } from './shared.js';

const optionalCidr = z.string().min(1).nullable().optional();

const networkFields = {
  name: z.string(),
  mode: modeSchema,
  subnet4: optionalCidr,
  subnet6: optionalCidr,
  address4: z.string().nullable().optional(),
  address6: z.string().nullable().optional(),
  listenPort: z.number().int().optional(),
  dns: z.array(z.string()).optional(),
  mtu: z.number().int().optional(),
  endpointHost: z.string().nullable().optional(),
  uplinkInterface: z.string().nullable().optional(),
  enabled: z.boolean().optional(),
};

const createInput = z.object({ ...networkFields, interface: z.string().optional() });
const updateInput = z.object({ id, patch: z.object(networkFields).partial() });

const write = (r: { network: Parameters<typeof networkDto>[0]; warnings: Parameters<typeof issuesDto>[0]; kernel: Parameters<typeof kernelDto>[0] }) => ({
  network: networkDto(r.network),
  warnings: issuesDto(r.warnings),
  kernel: kernelDto(r.kernel),
});

const importResult = (r: Parameters<typeof write>[0] & { peers: number; fileWarnings: Parameters<typeof issuesDto>[0] }) => ({
  ...write(r),
  peers: r.peers,
  fileWarnings: issuesDto(r.fileWarnings),
});

export const networksRouter = router({
  list: domainProcedure.query(({ ctx }) => services(ctx).networks.list().map(networkDto)),

  get: domainProcedure.input(byId).query(({ ctx, input }) => networkDto(services(ctx).networks.get(input.id))),

  /** Creates the network and its interface; the server keypair is generated on the host. */
  create: domainProcedure.input(createInput).mutation(async ({ ctx, input }) => write(await services(ctx).networks.create(input, ctx.user))),

  update: domainProcedure.input(updateInput).mutation(async ({ ctx, input }) => write(await services(ctx).networks.update(input.id, input.patch, ctx.user))),

  enable: domainProcedure.input(byId).mutation(async ({ ctx, input }) => write(await services(ctx).networks.setEnabled(input.id, true, ctx.user))),

  disable: domainProcedure.input(byId).mutation(async ({ ctx, input }) => write(await services(ctx).networks.setEnabled(input.id, false, ctx.user))),

  delete: domainProcedure.input(byId).mutation(async ({ ctx, input }) => {
    const r = await services(ctx).networks.delete(input.id, ctx.user);
    return { deleted: networkDto(r.deleted), kernel: kernelDto(r.kernel) };
  }),

  /** Live state per network (or one): interface, MTU, port, device type, peers online; kernel module availability. */
  status: domainProcedure.input(z.object({ id: id.optional() }).optional()).query(({ ctx, input }) => services(ctx).status(input?.id)),

  /** Imports a wg-quick server file as a new network with its peers (peers keep no private key). */
  import: domainProcedure
    .input(z.object({ text: z.string().max(1 << 20), name: z.string(), mode: modeSchema, interface: z.string().optional(), endpointHost: z.string().nullable().optional(), listenPort: z.number().int().optional() }))
    .mutation(async ({ ctx, input }) => importResult(await services(ctx).imports.importConfig(input, ctx.user))),

  /** Takes over a WireGuard interface that already runs on the host. */
  adopt: domainProcedure
    .input(z.object({ interface: z.string(), name: z.string(), mode: modeSchema, endpointHost: z.string().nullable().optional(), dns: z.array(z.string()).optional() }))
    .mutation(async ({ ctx, input }) => importResult(await services(ctx).imports.adopt(input, ctx.user))),
});
