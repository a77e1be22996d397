/**
 * HostKernel: the kernel handles of one host (network namespace), built once by the
 * composition root — libc, a NETLINK_ROUTE and a NETLINK_GENERIC connection, the agent's
 * nftables table, sock_diag, and the WireGuard client (kernel module when present, otherwise
 * wireguard-go). It implements the services' `Kernel` with observe.ts and apply.ts.
 *
 * Design decisions:
 * - `netns` opens every socket inside a named namespace (tests run a whole agent against a
 *   throwaway "host" namespace). wireguard-go is then started through `ip netns exec <ns>`
 *   (the supervisor's commandPrefix) — for tests only; production runs the agent in the
 *   namespace it manages and never runs `ip`.
 * - Daemons: the daemon (`serve`) supervises its wireguard-go children (exit events, restart,
 *   stopped on shutdown); a short-lived in-process agent (`call`, in-process `stdio`) starts
 *   them *detached* (wireguard-go's own daemon mode), so an interface outlives the command
 *   that created it. Devices we did not start are deleted with RTM_DELLINK on their tun link,
 *   which makes wireguard-go exit.
 */
import { spawn } from 'node:child_process';
import { NetlinkConnection } from '../netlink/conn/index.js';
import { deleteLink } from '../netlink/families/route/links.js';
import { RouteEventSubscription } from '../netlink/families/route/events.js';
import { NfTables } from '../netlink/families/nftables/index.js';
import { SockDiag } from '../netlink/families/sockdiag/index.js';
import type { PortHolder } from '../netlink/families/sockdiag/types.js';
import { loadLibc, type Libc } from '../netlink/ffi/index.js';
import { NETLINK_GENERIC, NETLINK_ROUTE } from '../netlink/wire/uapi/netlink.js';
import { RTNLGRP_LINK } from '../netlink/wire/uapi/rtnetlink.js';
import { WireGuardError } from '../wireguard/errors.js';
import { WireGuardClient } from '../wireguard/select.js';
import { UapiClient } from '../wireguard/uapi.js';
import { UserspaceBackend, type UserspaceBackendOptions } from '../wireguard/userspace.js';
import type { Device } from '../wireguard/types.js';
import type { Op } from '../domain/plan.js';
import { applyOps } from './apply.js';
import type { ApplyContext, HostObservation, Kernel, LinkEventListener, ObserveScope, OpReport, WireGuardSupportFacts } from './kernel.js';
import { observeHost } from './observe.js';

export interface HostKernelOptions {
  /** Named network namespace to manage (tests); default: the agent's own. */
  netns?: string;
  /** wireguard-go binary (path or PATH name). Default "wireguard-go". */
  wireguardGo?: string;
  /** 'supervised' (the daemon) or 'detached' (short-lived in-process agents). Default supervised. */
  daemons?: 'supervised' | 'detached';
  /** nftables table name in family inet. Default "wgpilot". */
  nftTable?: string;
  /** UAPI socket directory. Default /var/run/wireguard. */
  socketDir?: string;
  /** Extra environment for wireguard-go (LOG_LEVEL). */
  wireguardGoEnv?: Record<string, string>;
}

/** How long a detached wireguard-go may take to put its socket up. */
const DETACHED_START_TIMEOUT_MS = 5_000;

export class HostKernel implements Kernel {
  private events: RouteEventSubscription | undefined;
  private readonly listeners = new Set<LinkEventListener>();

  private constructor(
    readonly libc: Libc,
    readonly route: NetlinkConnection,
    readonly genl: NetlinkConnection,
    readonly nft: NfTables,
    readonly diag: SockDiag,
    readonly wg: WireGuardClient,
    private readonly userspace: UserspaceBackend,
    readonly options: HostKernelOptions,
  ) {}

  /** open builds every handle; on failure, closes what it opened. */
  static async open(options: HostKernelOptions = {}): Promise<HostKernel> {
    const libc = loadLibc();
    const ns = options.netns === undefined ? {} : { netns: options.netns };
    const opened: Array<{ close(): unknown }> = [];
    try {
      const route = NetlinkConnection.open(libc, NETLINK_ROUTE, ns);
      opened.push(route);
      const genl = NetlinkConnection.open(libc, NETLINK_GENERIC, ns);
      opened.push(genl);
      const nft = NfTables.open(libc, { ...ns, ...(options.nftTable ? { table: options.nftTable } : {}) });
      opened.push(nft);
      const diag = SockDiag.open(libc, ns);
      opened.push(diag);
      const backendOptions: UserspaceBackendOptions = {
        ...(options.socketDir ? { socketDir: options.socketDir } : {}),
        daemon: {
          ...(options.wireguardGo ? { binary: options.wireguardGo } : {}),
          ...(options.netns ? { commandPrefix: ['ip', 'netns', 'exec', options.netns] } : {}),
          ...(options.wireguardGoEnv ? { env: options.wireguardGoEnv } : {}),
        },
        // Equivalent to: `ip link del <name>` on the tun: wireguard-go notices and exits.
        deleteLink: async (name) => void (await deleteLink(route, name)),
      };
      const userspace = options.daemons === 'detached' ? new DetachedUserspaceBackend(backendOptions) : new UserspaceBackend(backendOptions);
      // A daemon that died under us (`ip link del` on its tun, a crash) is forgotten, so the
      // next reconcile can start a new one instead of hitting "already started".
      userspace.on('exit', (e) => {
        if (!e.expected) void userspace.deleteDevice(e.name).catch(() => undefined);
      });
      const wg = await WireGuardClient.open({ route, genl, userspace });
      return new HostKernel(libc, route, genl, nft, diag, wg, userspace, options);
    } catch (err) {
      for (const h of opened.reverse()) h.close();
      throw err;
    }
  }

  /**
   * forgetStaleDaemon stops and forgets a supervised wireguard-go for `name` whose link is gone
   * (deleted under us): its exit may not have been handled yet, and a new device by that name
   * must not be refused as "already started".
   */
  async forgetStaleDaemon(name: string): Promise<void> {
    if (this.userspace.supervisor(name)) await this.userspace.deleteDevice(name).catch(() => undefined);
  }

  observe(scope: ObserveScope = {}): Promise<HostObservation> {
    return observeHost(this, scope);
  }

  apply(ops: readonly Op[], ctx: ApplyContext): Promise<OpReport[]> {
    return applyOps(this, ops, ctx);
  }

  async device(name: string): Promise<Device | null> {
    try {
      return await this.wg.device(name);
    } catch (err) {
      if (err instanceof WireGuardError && ['ENODEV', 'ENOENT'].includes(err.code)) return null;
      throw err;
    }
  }

  async udpListeners(port?: number): Promise<PortHolder[]> {
    if (port !== undefined) return this.diag.findUdpListeners(port);
    const sockets = await this.diag.list({ protocol: 'udp', owners: true });
    return sockets.map((s) => ({
      family: s.family,
      address: s.localAddress,
      port: s.localPort,
      state: s.state,
      ...(s.processes?.[0] ? { pid: s.processes[0].pid, command: s.processes[0].command } : {}),
      socket: s,
    }));
  }

  support(): WireGuardSupportFacts {
    return this.wg.support();
  }

  /** Equivalent to: `ip monitor link`. The subscription opens with the first listener. */
  onLinkEvent(listener: LinkEventListener): () => void {
    if (!this.events) {
      this.events = RouteEventSubscription.open(this.libc, [RTNLGRP_LINK], this.options.netns ? { netns: this.options.netns } : {});
      this.events.on('event', (e) => {
        if (e.kind !== 'link') return;
        for (const l of this.listeners) l({ action: e.action, name: e.link.name, up: e.link.up, mtu: e.link.mtu });
      });
      this.events.on('error', () => undefined);
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.events?.close();
        this.events = undefined;
      }
    };
  }

  async close(): Promise<void> {
    this.events?.close();
    this.events = undefined;
    try {
      await this.wg.close();
    } finally {
      this.nft.close();
      this.diag.close();
      this.genl.close();
      this.route.close();
    }
  }
}

/**
 * DetachedUserspaceBackend starts wireguard-go in its own daemon mode (no `-f`: it re-executes
 * itself in a new session with /dev/null stdio and the parent exits), so the device belongs to
 * no agent process. Deletion is always RTM_DELLINK on the tun link.
 */
class DetachedUserspaceBackend extends UserspaceBackend {
  private readonly probe: UapiClient;

  constructor(private readonly backendOptions: UserspaceBackendOptions) {
    super(backendOptions);
    this.probe = new UapiClient({ socketDir: backendOptions.socketDir, timeoutMs: 1_000 });
  }

  /** Equivalent to: `wireguard-go <name>`. */
  override async createDevice(name: string): Promise<void> {
    if (await this.answers(name)) {
      throw new WireGuardError({ device: name, op: 'create', errno: 17, message: `a UAPI socket for ${name} already answers (name in use, maybe in another namespace)` });
    }
    const d = this.backendOptions.daemon ?? {};
    const args = [...(d.commandPrefix ?? []), d.binary ?? 'wireguard-go', name];
    const file = args.shift() ?? 'wireguard-go';
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(file, args, { stdio: 'ignore', env: { ...process.env, ...d.env } });
      child.once('error', () => resolve(null));
      child.once('exit', (c) => resolve(c));
    });
    if (code !== 0) throw new WireGuardError({ device: name, op: 'create', errno: 10, message: `wireguard-go exited with ${code ?? 'a spawn error'}` });
    for (const end = Date.now() + DETACHED_START_TIMEOUT_MS; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      if (await this.answers(name)) return;
    }
    throw new WireGuardError({ device: name, op: 'create', errno: 110, message: 'UAPI socket did not answer in time' });
  }

  /** Equivalent to: `ip link del <name>`. */
  override async deleteDevice(name: string): Promise<void> {
    if (!this.backendOptions.deleteLink) throw new WireGuardError({ device: name, op: 'delete', errno: 3, message: 'no deleteLink hook' });
    await this.backendOptions.deleteLink(name);
  }

  private async answers(name: string): Promise<boolean> {
    try {
      await this.probe.get(name);
      return true;
    } catch {
      return false;
    }
  }
}
