/**
 * UserspaceBackend: WireGuard through wireguard-go, for kernels without the module (this host).
 * Reads and writes go over the UAPI socket (uapi.ts); create/delete start and stop a supervised
 * daemon per interface (supervisor.ts).
 *
 * Design decisions:
 * - The backend owns the daemons it started, in an instance map (no module state), and close()
 *   stops all of them: a closed backend leaves no process behind.
 * - Devices whose daemon someone else started can be read and configured (their socket is all we
 *   need) but not deleted unless a `deleteLink` hook is given (RTM_DELLINK on the tun makes
 *   wireguard-go exit), because we do not know their pid.
 * - Daemon exits and restarts are re-emitted from the backend, so one listener covers all
 *   devices; after a restart the device is empty and must be configured again.
 */
import { EventEmitter } from 'node:events';
import { constants as osConstants } from 'node:os';
import type { ManagedWireGuardBackend } from './backend.js';
import { WireGuardError } from './errors.js';
import { WireGuardGoSupervisor, type SupervisorEvents, type WireGuardGoOptions } from './supervisor.js';
import type { Device, DeviceConfig } from './types.js';
import { UapiClient } from './uapi.js';

export interface UserspaceBackendOptions {
  /** UAPI socket directory. Default /var/run/wireguard (wireguard-go's built-in path). */
  socketDir?: string;
  /** Bound for each UAPI request. */
  timeoutMs?: number;
  /** How daemons are started: binary, commandPrefix, env, timeouts, restart policy. */
  daemon?: Omit<WireGuardGoOptions, 'name' | 'socketDir'>;
  /** Deletes a link by name (route family RTM_DELLINK), for devices we did not start. */
  deleteLink?: (name: string) => Promise<void>;
}

export class UserspaceBackend extends EventEmitter<SupervisorEvents> implements ManagedWireGuardBackend {
  readonly type = 'userspace' as const;
  private readonly uapi: UapiClient;
  private readonly supervisors = new Map<string, WireGuardGoSupervisor>();
  private closed = false;
  /** One process 'exit' hook for all daemons: SIGKILL them if Node exits without close(). */
  private readonly killAllOnExit = (): void => {
    for (const s of this.supervisors.values()) s.killNow();
  };

  constructor(private readonly opts: UserspaceBackendOptions = {}) {
    super();
    this.uapi = new UapiClient({ socketDir: opts.socketDir, timeoutMs: opts.timeoutMs });
  }

  /** Equivalent to: `wg show interfaces` (all namespaces share the socket directory). */
  async devices(): Promise<string[]> {
    this.checkOpen('devices', '*');
    return this.uapi.list();
  }

  /** Equivalent to: `wg show <name> dump`. */
  async device(name: string): Promise<Device> {
    this.checkOpen('device', name);
    const state = await this.uapi.get(name);
    return { name, type: this.type, ...state };
  }

  /** Equivalent to: `wg set <name> ...` (`wg setconf` when replacePeers is set). */
  async configureDevice(name: string, config: DeviceConfig): Promise<void> {
    this.checkOpen('configure', name);
    await this.uapi.set(name, config);
  }

  /**
   * createDevice starts a supervised `wireguard-go -f <name>` and resolves when it answers.
   *
   * Equivalent to: `wireguard-go <name>` (`ip link add <name> type wireguard` on a kernel).
   */
  async createDevice(name: string): Promise<void> {
    this.checkOpen('create', name);
    if (this.supervisors.has(name)) {
      throw new WireGuardError({ device: name, op: 'create', errno: osConstants.errno.EEXIST, message: 'already started by this backend' });
    }
    const sup = new WireGuardGoSupervisor({ ...this.opts.daemon, name, socketDir: this.uapi.socketDir, killOnProcessExit: false });
    if (this.supervisors.size === 0) process.once('exit', this.killAllOnExit);
    sup.on('exit', (e) => this.emit('exit', e));
    sup.on('restart', (e) => this.emit('restart', e));
    sup.on('restartFailed', (e) => this.emit('restartFailed', e));
    this.supervisors.set(name, sup);
    try {
      await sup.start();
    } catch (err) {
      this.forget(name, sup);
      throw err;
    }
  }

  /**
   * deleteDevice stops the device's daemon, which removes the tun link and the socket.
   *
   * Equivalent to: `ip link del <name>`.
   */
  async deleteDevice(name: string): Promise<void> {
    this.checkOpen('delete', name);
    const sup = this.supervisors.get(name);
    if (sup) {
      await sup.stop();
      this.forget(name, sup);
      return;
    }
    if (this.opts.deleteLink) {
      await this.opts.deleteLink(name);
      return;
    }
    throw new WireGuardError({
      device: name,
      op: 'delete',
      errno: osConstants.errno.ESRCH,
      message: 'its wireguard-go was not started by this backend and no deleteLink hook was given',
    });
  }

  /** supervisor returns the daemon supervisor of a device this backend started. */
  supervisor(name: string): WireGuardGoSupervisor | undefined {
    return this.supervisors.get(name);
  }

  /** close stops every daemon this backend started and waits for each to exit. */
  async close(): Promise<void> {
    this.closed = true;
    const sups = [...this.supervisors.entries()];
    const results = await Promise.allSettled(sups.map(([, s]) => s.stop()));
    for (const [name, s] of sups) this.forget(name, s);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private forget(name: string, sup: WireGuardGoSupervisor): void {
    if (this.supervisors.get(name) === sup) this.supervisors.delete(name);
    sup.removeAllListeners();
    if (this.supervisors.size === 0) process.removeListener('exit', this.killAllOnExit);
  }

  private checkOpen(op: 'devices' | 'device' | 'configure' | 'create' | 'delete', name: string): void {
    if (this.closed) {
      throw new WireGuardError({ device: name, op, errno: osConstants.errno.EBADF, message: 'backend is closed' });
    }
  }
}
