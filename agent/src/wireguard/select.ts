/**
 * WireGuardClient picks the backend per interface, like wgctrl-go's `Client` wraps one client
 * per implementation: new interfaces are created in the kernel when it can
 * (`RTM_NEWLINK kind "wireguard"`) and with wireguard-go when it answers EOPNOTSUPP ("Unknown
 * device type": no module); existing interfaces are found by asking each backend in turn.
 *
 * Design decisions:
 * - Kernel support is probed, not assumed: the generic netlink family "wireguard" resolving is
 *   what `support().kernelModule` reports. RTM_NEWLINK may still load the module on demand
 *   (rtnl-link-wireguard alias), so a successful create re-probes the family.
 * - "Not mine" answers move on to the next backend: ENODEV (no such link), EOPNOTSUPP (a link,
 *   but not a kernel WireGuard one, e.g. wireguard-go's tun) and ENOENT (no UAPI socket).
 *   Anything else is a real error and is returned as is.
 * - The client holds its backends and its probe result; nothing is global.
 */
import { constants as osConstants } from 'node:os';
import type { NetlinkRequester } from '../netlink/conn/connection.js';
import { NetlinkError } from '../netlink/conn/errors.js';
import { createWireguard } from '../netlink/families/route/links.js';
import type { ManagedWireGuardBackend } from './backend.js';
import { WireGuardError, type WireGuardOp } from './errors.js';
import { KernelBackend } from './kernel.js';
import type { Device, DeviceConfig, DeviceType } from './types.js';
import type { UserspaceBackend } from './userspace.js';
import { checkInterfaceName } from './validate.js';

export interface WireGuardClientOptions {
  /** NETLINK_ROUTE connection: creates kernel devices (and lists/deletes them). */
  route?: NetlinkRequester;
  /** NETLINK_GENERIC connection: probes and drives the kernel family. */
  genl?: NetlinkRequester;
  /** The fallback, always available where wireguard-go is installed. */
  userspace: UserspaceBackend;
}

/** WireGuardSupport is what diagnose and the UI report about this host. */
export interface WireGuardSupport {
  /** The generic netlink family "wireguard" resolves (the kernel module is loaded). */
  kernelModule: boolean;
  /** Why not, when it does not ("generic netlink family ... is not registered"). */
  kernelReason?: string;
  /**
   * What createDevice will do: 'kernel' (module loaded), 'userspace' (no route connection, or
   * RTM_NEWLINK already said EOPNOTSUPP), or 'try-kernel' (module not loaded yet, but
   * RTM_NEWLINK may load it on demand; EOPNOTSUPP then falls back to userspace).
   */
  newDevices: DeviceType | 'try-kernel';
}

const NOT_MINE = new Set([osConstants.errno.ENODEV, osConstants.errno.ENOENT, osConstants.errno.EOPNOTSUPP]);

export class WireGuardClient {
  private kernel: KernelBackend | undefined;
  private kernelReason: string | undefined;
  /** Set once RTM_NEWLINK kind wireguard answered EOPNOTSUPP: skip the attempt afterwards. */
  private kernelCreateUnsupported = false;

  private constructor(private readonly opts: WireGuardClientOptions) {}

  /** open probes the kernel family and returns a client with whichever backends exist. */
  static async open(opts: WireGuardClientOptions): Promise<WireGuardClient> {
    const client = new WireGuardClient(opts);
    await client.probeKernel();
    return client;
  }

  support(): WireGuardSupport {
    const kernelModule = this.kernel !== undefined;
    const newDevices = !this.opts.route || this.kernelCreateUnsupported ? 'userspace' : kernelModule ? 'kernel' : 'try-kernel';
    return {
      kernelModule,
      ...(kernelModule ? {} : { kernelReason: this.kernelReason ?? 'no generic netlink connection given' }),
      newDevices,
    };
  }

  /**
   * createDevice makes `name` in the kernel when it can, else with wireguard-go, and returns
   * which one it used.
   *
   * Equivalent to: `ip link add <name> type wireguard || wireguard-go <name>`.
   */
  async createDevice(name: string): Promise<DeviceType> {
    checkInterfaceName(name);
    if (this.opts.route && !this.kernelCreateUnsupported) {
      try {
        await createWireguard(this.opts.route, name);
        if (!this.kernel) await this.probeKernel();
        return 'kernel';
      } catch (err) {
        if (!(err instanceof NetlinkError && err.code === 'EOPNOTSUPP')) {
          throw new WireGuardError({ device: name, op: 'create', errno: (err as NetlinkError).errno ?? osConstants.errno.EIO, message: (err as Error).message, cause: err });
        }
        this.kernelCreateUnsupported = true;
      }
    }
    await this.opts.userspace.createDevice(name);
    return 'userspace';
  }

  /** Equivalent to: `ip link del <name>`. */
  async deleteDevice(name: string): Promise<void> {
    await this.onOwner(name, 'delete', (b) => b.deleteDevice(name));
  }

  /** devices lists every WireGuard interface with the backend that runs it. */
  async devices(): Promise<Array<{ name: string; type: DeviceType }>> {
    const out: Array<{ name: string; type: DeviceType }> = [];
    for (const b of this.backends()) {
      for (const name of await b.devices()) out.push({ name, type: b.type });
    }
    return out;
  }

  /** Equivalent to: `wg show <name> dump`. */
  device(name: string): Promise<Device> {
    return this.onOwner(name, 'device', (b) => b.device(name));
  }

  /** Equivalent to: `wg set <name> ...`. */
  async configureDevice(name: string, config: DeviceConfig): Promise<void> {
    await this.onOwner(name, 'configure', (b) => b.configureDevice(name, config));
  }

  /** typeOf says which backend runs `name`. */
  async typeOf(name: string): Promise<DeviceType> {
    return (await this.device(name)).type;
  }

  /** close closes every backend (stopping the wireguard-go daemons this client started). */
  async close(): Promise<void> {
    const results = await Promise.allSettled(this.backends().map((b) => b.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private backends(): ManagedWireGuardBackend[] {
    return this.kernel ? [this.kernel, this.opts.userspace] : [this.opts.userspace];
  }

  /** onOwner runs fn on the first backend that does not answer "not mine". */
  private async onOwner<T>(name: string, op: WireGuardOp, fn: (b: ManagedWireGuardBackend) => Promise<T>): Promise<T> {
    let last: unknown;
    for (const b of this.backends()) {
      // A userspace device this client started is known without asking the kernel.
      if (b.type === 'kernel' && this.opts.userspace.supervisor(name)) continue;
      try {
        return await fn(b);
      } catch (err) {
        if (!(err instanceof WireGuardError && NOT_MINE.has(err.errno))) throw err;
        last = err;
      }
    }
    throw new WireGuardError({ device: name, op, errno: osConstants.errno.ENODEV, message: 'no WireGuard device by this name', cause: last });
  }

  private async probeKernel(): Promise<void> {
    if (!this.opts.genl || !this.opts.route) return;
    try {
      this.kernel = await KernelBackend.open({ genl: this.opts.genl, route: this.opts.route });
      this.kernelReason = undefined;
    } catch (err) {
      if (!(err instanceof WireGuardError && err.errno === osConstants.errno.ENOENT)) throw err;
      this.kernelReason = err.message;
    }
  }
}
