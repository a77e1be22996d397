/**
 * FakeKernel: the services' `Kernel` in memory — links, addresses, WireGuard devices with
 * peers, owned routes, the firewall table and UDP sockets — so services and routers run in the
 * unit tier without root. Ops change the state the way the real apply does; tests can tamper
 * with it (drop a peer, change an MTU, hold a port) and make ops fail (`failOn`).
 */
import type { FirewallRule } from '../../agent/src/domain/firewall.js';
import type { Op } from '../../agent/src/domain/plan.js';
import type { PortHolder } from '../../agent/src/netlink/families/sockdiag/types.js';
import type { ApplyContext, HostObservation, Kernel, LinkEventListener, ObserveScope, OpReport } from '../../agent/src/services/kernel.js';
import { Key } from '../../agent/src/wireguard/keys.js';
import type { Device, Peer as DevicePeer } from '../../agent/src/wireguard/types.js';

export interface FakeLink {
  index: number;
  name: string;
  up: boolean;
  mtu: number;
  kind: string | null;
  addresses: string[];
}

export interface FakeDevice {
  privateKey: Key | null;
  listenPort: number;
  peers: Map<string, DevicePeer>;
}

export class FakeKernel implements Kernel {
  readonly links = new Map<string, FakeLink>();
  readonly devices = new Map<string, FakeDevice>();
  routes: Array<{ destination: string; interface: string; owned: boolean }> = [];
  firewall: FirewallRule[] = [];
  holders: PortHolder[] = [];
  /** Op kinds (or `kind:interface`) that fail with this message. */
  readonly failOn = new Map<string, string>();
  readonly applied: Op[] = [];
  private nextIndex = 10;
  private readonly listeners = new Set<LinkEventListener>();

  constructor() {
    this.addLink('lo', { kind: null, addresses: ['127.0.0.1/8', '::1/128'] });
    this.addLink('eth0', { kind: null, addresses: ['192.168.1.10/24'] });
  }

  addLink(name: string, over: Partial<FakeLink> = {}): FakeLink {
    const link: FakeLink = { index: this.nextIndex++, name, up: true, mtu: 1500, kind: null, addresses: [], ...over };
    this.links.set(name, link);
    return link;
  }

  /** holdPort makes a foreign process hold a UDP port. */
  holdPort(port: number, command = 'nc', pid = 4242): void {
    this.holders.push({ family: 4, address: '0.0.0.0', port, state: 'UNCONN', pid, command, socket: {} as PortHolder['socket'] });
  }

  async observe(scope: ObserveScope = {}): Promise<HostObservation> {
    const devices = new Map<string, Device>();
    for (const [name, d] of this.devices) {
      if (scope.interfaces && !scope.interfaces.includes(name)) continue;
      devices.set(name, this.toDevice(name, d));
    }
    const hostAddresses = [...this.links.values()].flatMap((l) => l.addresses.map((address) => ({ interface: l.name, address })));
    return {
      interfaces: [...this.links.values()].map((l) => {
        const d = this.devices.get(l.name);
        const read = devices.get(l.name);
        return {
          name: l.name,
          kind: d ? 'wireguard' : 'other',
          up: l.up,
          mtu: l.mtu,
          addresses: [...l.addresses],
          routes: this.routes.filter((r) => r.interface === l.name).map((r) => ({ destination: r.destination, owned: r.owned })),
          wireguard: d
            ? read
              ? {
                  listenPort: read.listenPort,
                  publicKey: read.publicKey?.toBase64() ?? null,
                  peers: read.peers.map((p) => ({
                    publicKey: p.publicKey.toBase64(),
                    allowedIps: p.allowedIPs,
                    persistentKeepalive: p.persistentKeepaliveInterval,
                    endpoint: p.endpoint ? `${p.endpoint.address}:${p.endpoint.port}` : null,
                    hasPresharedKey: p.presharedKey !== undefined,
                  })),
                }
              : { listenPort: 0, publicKey: null, peers: [] }
            : null,
        };
      }),
      firewallRules: this.firewall.map((rule) => ({ tag: rule.tag, rule: { ...rule } })),
      links: [...this.links.values()].map((l) => ({ index: l.index, name: l.name, up: l.up, operState: l.up ? 'up' : 'down', mtu: l.mtu, kind: l.kind, rxBytes: 0n, txBytes: 0n })),
      hostAddresses,
      defaultRouteInterface: 'eth0',
      devices,
      takenNames: [...this.links.keys()],
    };
  }

  async apply(ops: readonly Op[], ctx: ApplyContext): Promise<OpReport[]> {
    const reports: OpReport[] = [];
    let firewallDone = false;
    for (const op of ops) {
      const iface = 'interface' in op ? op.interface : '';
      const failure = this.failOn.get(op.kind) ?? this.failOn.get(`${op.kind}:${iface}`);
      if (failure !== undefined) {
        reports.push({ op, ok: false, error: failure, cause: new Error(failure) });
        continue;
      }
      try {
        if (op.kind === 'ensureFirewallRule' || op.kind === 'removeFirewallRule') {
          if (!firewallDone) this.firewall = ctx.firewallRules.map((r) => ({ ...r }));
          firewallDone = true;
        } else {
          this.applyOne(op, ctx);
        }
        this.applied.push(op);
        reports.push({ op, ok: true });
      } catch (err) {
        reports.push({ op, ok: false, error: (err as Error).message, cause: err });
      }
    }
    return reports;
  }

  private applyOne(op: Exclude<Op, { kind: 'ensureFirewallRule' | 'removeFirewallRule' }>, ctx: ApplyContext): void {
    const dev = (): FakeDevice => {
      const d = this.devices.get(op.interface);
      if (!d) throw Object.assign(new Error(`no device ${op.interface}`), { code: 'ENODEV' });
      return d;
    };
    const link = (): FakeLink => {
      const l = this.links.get(op.interface);
      if (!l) throw new Error(`no link ${op.interface}`);
      return l;
    };
    switch (op.kind) {
      case 'createInterface':
        if (this.links.has(op.interface)) throw new Error(`${op.interface} exists`);
        this.addLink(op.interface, { kind: 'tun', up: false, mtu: 1420 });
        this.devices.set(op.interface, { privateKey: null, listenPort: 0, peers: new Map() });
        this.emitLink('new', op.interface);
        return;
      case 'deleteInterface':
      case 'deleteOrphanInterface':
        this.links.delete(op.interface);
        this.devices.delete(op.interface);
        this.routes = this.routes.filter((r) => r.interface !== op.interface);
        this.emitLink('del', op.interface);
        return;
      case 'setPrivateKey':
        dev().privateKey = ctx.secrets.networkPrivateKey(op.networkId);
        return;
      case 'setListenPort':
        dev().listenPort = op.listenPort;
        return;
      case 'setMtu':
        link().mtu = op.mtu;
        return;
      case 'setAddress':
        link().addresses.push(op.address);
        return;
      case 'removeAddress':
        link().addresses = link().addresses.filter((a) => a !== op.address);
        return;
      case 'setLinkUp':
        link().up = true;
        return;
      case 'addRoute':
        this.routes.push({ destination: op.destination, interface: op.interface, owned: true });
        return;
      case 'removeRoute':
        this.routes = this.routes.filter((r) => !(r.interface === op.interface && r.destination === op.destination));
        return;
      case 'removePeer':
        dev().peers.delete(op.publicKey);
        return;
      case 'upsertPeer': {
        const p = op.peer;
        const psk = p.presharedKey ? ctx.secrets.peerPresharedKey(p.peerId) : null;
        const prev = dev().peers.get(p.publicKey);
        dev().peers.set(p.publicKey, {
          publicKey: Key.fromBase64(p.publicKey),
          ...(psk ? { presharedKey: psk } : {}),
          ...(p.endpoint ? { endpoint: { address: p.endpoint.split(':')[0] ?? '', port: Number(p.endpoint.split(':')[1]) } } : {}),
          persistentKeepaliveInterval: p.persistentKeepalive,
          lastHandshakeTime: prev?.lastHandshakeTime ?? null,
          receiveBytes: prev?.receiveBytes ?? 0n,
          transmitBytes: prev?.transmitBytes ?? 0n,
          allowedIPs: [...p.allowedIps],
          protocolVersion: 1,
        });
        return;
      }
    }
  }

  async device(name: string): Promise<Device | null> {
    const d = this.devices.get(name);
    return d ? this.toDevice(name, d) : null;
  }

  async udpListeners(port?: number): Promise<PortHolder[]> {
    const ours: PortHolder[] = [...this.devices.values()]
      .filter((d) => d.listenPort > 0)
      .map((d) => ({ family: 4, address: '0.0.0.0', port: d.listenPort, state: 'UNCONN', pid: 999, command: 'wireguard-go', socket: {} as PortHolder['socket'] }));
    return [...this.holders, ...ours].filter((h) => port === undefined || h.port === port);
  }

  support() {
    return { kernelModule: false, kernelReason: 'fake kernel', newDevices: 'userspace' as const };
  }

  onLinkEvent(listener: LinkEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {}

  private emitLink(action: 'new' | 'del', name: string): void {
    for (const l of this.listeners) l({ action, name, up: false, mtu: 1420 });
  }

  private toDevice(name: string, d: FakeDevice): Device {
    return {
      name,
      type: 'userspace',
      ...(d.privateKey ? { privateKey: d.privateKey, publicKey: d.privateKey.publicKey() } : {}),
      listenPort: d.listenPort,
      firewallMark: 0,
      peers: [...d.peers.values()].map((p) => ({ ...p, allowedIPs: [...p.allowedIPs] })),
    };
  }
}
