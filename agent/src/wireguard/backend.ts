/**
 * The one small interface both WireGuard implementations satisfy, after wgctrl-go's
 * `internal/wginternal/client.go` (Devices, Device, ConfigureDevice, Close), plus the part
 * wgctrl leaves to others: creating and deleting the interface, which is where the two
 * implementations differ most.
 *
 * | operation        | kernel backend                         | userspace backend                     |
 * |------------------|----------------------------------------|---------------------------------------|
 * | createDevice     | RTM_NEWLINK kind "wireguard"           | start `wireguard-go -f <name>`        |
 * |                  | (`ip link add <name> type wireguard`)  | and wait for its UAPI socket          |
 * | deleteDevice     | RTM_DELLINK (`ip link del <name>`)     | stop that wireguard-go (SIGTERM)      |
 * | devices          | WG_CMD_GET_DEVICE per wireguard link   | sockets in /var/run/wireguard         |
 * | device           | WG_CMD_GET_DEVICE dump (multipart)     | UAPI `get=1`                          |
 * | configureDevice  | WG_CMD_SET_DEVICE (fragmented)         | UAPI `set=1`                          |
 *
 * Addresses, MTU and link up/down are not WireGuard operations: they go through the route family
 * for both backends, since a userspace device is an ordinary tun link.
 */
import type { Device, DeviceConfig, DeviceType } from './types.js';

/** WireGuardBackend reads and configures WireGuard devices of one implementation. */
export interface WireGuardBackend {
  /** Which implementation this backend drives; reported as `Device.type`. */
  readonly type: DeviceType;

  /**
   * devices lists the WireGuard interfaces this backend can see.
   *
   * Equivalent to: `wg show interfaces`.
   */
  devices(): Promise<string[]>;

  /**
   * device reads one interface with all its peers and counters.
   *
   * Equivalent to: `wg show <name> dump`.
   */
  device(name: string): Promise<Device>;

  /**
   * configureDevice applies a (partial) configuration.
   *
   * Equivalent to: `wg set <name> ...`, or `wg setconf <name> <file>` when `replacePeers` is set.
   */
  configureDevice(name: string, config: DeviceConfig): Promise<void>;

  /** close releases sockets and, for the userspace backend, stops every daemon it started. */
  close(): Promise<void>;
}

/** DeviceLifecycle creates and deletes WireGuard interfaces. */
export interface DeviceLifecycle {
  /**
   * createDevice makes a new, unconfigured interface (down, no addresses).
   *
   * Equivalent to: `ip link add <name> type wireguard` (kernel) or `wireguard-go <name>`.
   */
  createDevice(name: string): Promise<void>;

  /**
   * deleteDevice removes an interface and its configuration.
   *
   * Equivalent to: `ip link del <name>`.
   */
  deleteDevice(name: string): Promise<void>;
}

/** ManagedWireGuardBackend is what the agent composes: read, configure, create, delete. */
export type ManagedWireGuardBackend = WireGuardBackend & DeviceLifecycle;
