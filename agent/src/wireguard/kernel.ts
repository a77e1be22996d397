/**
 * KernelBackend: WireGuard through the kernel module's generic netlink family ("wireguard"),
 * the way wg(8) and wgctrl-go's `internal/wglinux` do it. Devices are ordinary links of kind
 * "wireguard", created and deleted through the route family.
 *
 * Design decisions:
 * - The family id is resolved once, in `KernelBackend.open`; a kernel without the module
 *   answers ENOENT there, which becomes WireGuardError ENOENT ("use the userspace backend").
 * - Reads are one WG_CMD_GET_DEVICE dump, merged (mergeDeviceParts) because the kernel splits
 *   large devices over several messages. conn/ retries dumps flagged NLM_F_DUMP_INTR (the device
 *   changed mid-dump), so a read is always one consistent snapshot.
 * - Writes are fragmented under WG_SET_MESSAGE_MAX_BYTES and sent in order, each ACKed before
 *   the next, because later fragments depend on earlier ones (a split peer must exist before
 *   its continuation, REPLACE_PEERS must run first). A failure stops there: earlier fragments
 *   stay applied, like a failed `wg setconf`, and the error says which fragment failed.
 * - The backend borrows its two connections; the composition root owns and closes them, unless
 *   it passes `onClose` to have close() do it.
 */
import { constants as osConstants } from 'node:os';
import type { NetlinkRequester } from '../netlink/conn/connection.js';
import { NetlinkError } from '../netlink/conn/errors.js';
import { resolveFamily } from '../netlink/families/genl/controller.js';
import { createWireguard, deleteLink, listLinks } from '../netlink/families/route/links.js';
import {
  decodeWgMessage,
  encodeGetDevice,
  encodeWgMessage,
  mergeDeviceParts,
  type WgDevice,
} from '../netlink/families/wireguard/codec.js';
import { WG_CMD_SET_DEVICE, WG_GENL_NAME } from '../netlink/families/wireguard/constants.js';
import { fragmentSetDevice, WG_SET_MESSAGE_MAX_BYTES } from '../netlink/families/wireguard/fragment.js';
import type { ManagedWireGuardBackend } from './backend.js';
import { WireGuardError, type WireGuardOp } from './errors.js';
import { fromGetDevice, toSetDevice } from './kernel-map.js';
import type { Device, DeviceConfig } from './types.js';
import { checkInterfaceName } from './validate.js';

export interface KernelBackendOptions {
  /** A NETLINK_GENERIC connection in the namespace of the devices. */
  genl: NetlinkRequester;
  /** A NETLINK_ROUTE connection in the same namespace (links: list, create, delete). */
  route: NetlinkRequester;
  /** Bound for one SET_DEVICE message; default WG_SET_MESSAGE_MAX_BYTES. */
  maxMessageBytes?: number;
  /** Called by close(), e.g. to close connections the backend was handed. */
  onClose?: () => void | Promise<void>;
}

export class KernelBackend implements ManagedWireGuardBackend {
  readonly type = 'kernel' as const;
  private closed = false;

  private constructor(
    private readonly opts: KernelBackendOptions,
    /** The dynamic generic netlink id of the "wireguard" family. */
    readonly familyId: number,
  ) {}

  /**
   * open resolves the "wireguard" family; rejects with WireGuardError ENOENT when the kernel
   * has no WireGuard module (then the userspace backend is the one to use).
   */
  static async open(opts: KernelBackendOptions): Promise<KernelBackend> {
    const lookup = await resolveFamily(opts.genl, WG_GENL_NAME).catch((err: unknown) => {
      throw translate('*', 'probe', err);
    });
    if (!lookup.available) {
      throw new WireGuardError({ device: '*', op: 'probe', errno: lookup.errno, message: lookup.reason });
    }
    return new KernelBackend(opts, lookup.family.id);
  }

  /**
   * devices lists links of kind "wireguard".
   *
   * Equivalent to: `wg show interfaces` (`ip -d link show type wireguard`).
   */
  async devices(): Promise<string[]> {
    this.checkOpen('devices', '*');
    const links = await listLinks(this.opts.route).catch((err: unknown) => {
      throw translate('*', 'devices', err);
    });
    return links.filter((l) => l.kind === 'wireguard').map((l) => l.name);
  }

  /**
   * device reads one device (WG_CMD_GET_DEVICE dump, parts merged).
   *
   * Equivalent to: `wg show <name> dump`.
   */
  async device(name: string): Promise<Device> {
    this.checkOpen('device', name);
    checkInterfaceName(name);
    const parts = await this.opts.genl
      .dump<WgDevice>(
        { type: this.familyId, flags: 0, data: encodeGetDevice({ ifname: name }) },
        (m) => (m.header.type === this.familyId ? decodeWgMessage(m.data).device : undefined),
        { op: `WG_CMD_GET_DEVICE ${name}` },
      )
      .catch((err: unknown) => {
        throw translate(name, 'device', err);
      });
    return fromGetDevice(name, mergeDeviceParts(parts));
  }

  /**
   * configureDevice applies a configuration in as many SET_DEVICE messages as it needs.
   *
   * Equivalent to: `wg set <name> ...` (`wg setconf` when replacePeers is set).
   */
  async configureDevice(name: string, config: DeviceConfig): Promise<void> {
    this.checkOpen('configure', name);
    checkInterfaceName(name);
    const fragments = fragmentSetDevice(toSetDevice(name, config), this.opts.maxMessageBytes ?? WG_SET_MESSAGE_MAX_BYTES);
    for (const [i, fragment] of fragments.entries()) {
      const data = encodeWgMessage(WG_CMD_SET_DEVICE, fragment);
      try {
        await this.opts.genl.request({ type: this.familyId, flags: 0, data }, { op: `WG_CMD_SET_DEVICE ${name}` });
      } catch (err) {
        const e = translate(name, 'configure', err);
        if (fragments.length === 1) throw e;
        throw new WireGuardError({
          device: name,
          op: 'configure',
          errno: e.errno,
          message: `fragment ${i + 1} of ${fragments.length} refused (earlier fragments stay applied): ${(err as Error).message}`,
          cause: err,
        });
      }
    }
  }

  /**
   * createDevice adds a link of kind "wireguard".
   *
   * Equivalent to: `ip link add <name> type wireguard`.
   */
  async createDevice(name: string): Promise<void> {
    this.checkOpen('create', name);
    await createWireguard(this.opts.route, checkInterfaceName(name)).catch((err: unknown) => {
      throw translate(name, 'create', err);
    });
  }

  /**
   * deleteDevice removes the link.
   *
   * Equivalent to: `ip link del <name>`.
   */
  async deleteDevice(name: string): Promise<void> {
    this.checkOpen('delete', name);
    await deleteLink(this.opts.route, checkInterfaceName(name)).catch((err: unknown) => {
      throw translate(name, 'delete', err);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.opts.onClose?.();
  }

  private checkOpen(op: WireGuardOp, name: string): void {
    if (this.closed) throw new WireGuardError({ device: name, op, errno: osConstants.errno.EBADF, message: 'backend is closed' });
  }
}

/** translate is the one place kernel errors become WireGuardError (cause kept). */
function translate(device: string, op: WireGuardOp, err: unknown): WireGuardError {
  if (err instanceof WireGuardError) return err;
  if (err instanceof NetlinkError) {
    return new WireGuardError({ device, op, errno: err.errno, message: `${err.op}: ${err.message}`, cause: err });
  }
  return new WireGuardError({ device, op, errno: osConstants.errno.EIO, message: (err as Error)?.message ?? String(err), cause: err });
}
