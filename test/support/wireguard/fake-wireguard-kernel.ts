/**
 * A fake kernel for the WireGuard generic netlink family (the fake-kernel test tier, like
 * mdlayher's nltest): two NetlinkRequester facades, `genl` (nlctrl + "wireguard") and `route`
 * (RTM_NEWLINK/DELLINK/GETLINK for kind "wireguard"), over in-memory devices. SET_DEVICE follows
 * drivers/net/wireguard/netlink.c (set_peer/wg_set_device); GET_DEVICE dumps are split over
 * several messages by count, with peers continued in the next message as the kernel does.
 */
import type { AckResult, NetlinkRequester, Request } from '../../../agent/src/netlink/conn/index.js';
import { NetlinkError } from '../../../agent/src/netlink/conn/index.js';
import {
  decodeWgMessage,
  encodeWgMessage,
  type WgAllowedIp,
  type WgDevice,
  type WgPeer,
} from '../../../agent/src/netlink/families/wireguard/codec.js';
import * as C from '../../../agent/src/netlink/families/wireguard/constants.js';
import {
  AttributeDecoder,
  AttributeEncoder,
  encodeGenlmsghdr,
  encodeIfinfomsg,
  formatIp,
  type NetlinkMessage,
  parseIp,
} from '../../../agent/src/netlink/wire/index.js';
import { CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_VERSION, CTRL_CMD_NEWFAMILY, GENL_ID_CTRL } from '../../../agent/src/netlink/wire/uapi/genetlink.js';
import { IFLA_IFNAME, IFLA_INFO_KIND, IFLA_LINKINFO } from '../../../agent/src/netlink/wire/uapi/if_link.js';
import { NLM_F_MULTI } from '../../../agent/src/netlink/wire/uapi/netlink.js';
import { RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK } from '../../../agent/src/netlink/wire/uapi/rtnetlink.js';
import { Key } from '../../../agent/src/wireguard/keys.js';

interface FakePeer {
  publicKey: Buffer;
  presharedKey: Buffer;
  endpoint?: WgPeer['endpoint'];
  keepalive: number;
  allowedIPs: WgAllowedIp[];
}

interface FakeDevice {
  ifindex: number;
  name: string;
  privateKey?: Buffer;
  listenPort: number;
  fwmark: number;
  peers: Map<string, FakePeer>;
}

export interface FakeKernelOptions {
  /** Peer parts per dump message (the kernel's "skb full"), small to force multipart. */
  peersPerMessage?: number;
  /** Allowed IPs per peer part; more continue the peer in the next message. */
  ipsPerPart?: number;
  /** Without the module: genl ENOENT, RTM_NEWLINK kind wireguard EOPNOTSUPP. */
  moduleLoaded?: boolean;
}

const ZERO_KEY = Buffer.alloc(32);
const ack = (messages: NetlinkMessage[] = []): AckResult => ({ messages, warnings: [] });
const fail = (op: string, errno: number): NetlinkError => new NetlinkError({ op, errno, seq: 0 });
const ENOENT = 2;
const ENODEV = 19;
const EINVAL = 22;
const EEXIST = 17;
const EOPNOTSUPP = 95;

export class FakeWireGuardKernel {
  readonly familyId = 0x1b;
  readonly devices = new Map<string, FakeDevice>();
  /** Every SET_DEVICE payload received, in order (genlmsghdr + attributes). */
  readonly setMessages: Buffer[] = [];
  /** Make the n-th (1-based) SET_DEVICE fail with this errno. */
  failSetAt: { n: number; errno: number } | undefined;
  private nextIndex = 10;

  constructor(private readonly opts: FakeKernelOptions = {}) {}

  readonly genl: NetlinkRequester = {
    request: async (msg) => this.genlRequest(msg),
    dump: async <T>(msg: Request, decode: (m: NetlinkMessage) => T | undefined) => this.genlDump(msg, decode),
    batch: async () => {
      throw new Error('not used');
    },
  };

  readonly route: NetlinkRequester = {
    request: async (msg) => this.routeRequest(msg),
    dump: async <T>(msg: Request, decode: (m: NetlinkMessage) => T | undefined) => this.routeDump(msg, decode),
    batch: async () => {
      throw new Error('not used');
    },
  };

  private get loaded(): boolean {
    return this.opts.moduleLoaded ?? true;
  }

  private genlRequest(msg: Request): AckResult {
    const data = Buffer.from(msg.data ?? new Uint8Array());
    if (msg.type === GENL_ID_CTRL) {
      const name = new AttributeDecoder(data.subarray(4)).string(CTRL_ATTR_FAMILY_NAME);
      if (name !== C.WG_GENL_NAME || !this.loaded) throw fail('CTRL_CMD_GETFAMILY', ENOENT);
      const reply = Buffer.concat([
        encodeGenlmsghdr({ command: CTRL_CMD_NEWFAMILY, version: 2 }),
        new AttributeEncoder().u16(CTRL_ATTR_FAMILY_ID, this.familyId).string(CTRL_ATTR_FAMILY_NAME, name).u32(CTRL_ATTR_VERSION, 1).finish(),
      ]);
      return ack([{ header: { length: 16 + reply.length, type: GENL_ID_CTRL, flags: 0, seq: 0, pid: 0 }, data: reply }]);
    }
    if (msg.type !== this.familyId) throw fail('genl', ENOENT);
    const m = decodeWgMessage(data);
    if (m.command !== C.WG_CMD_SET_DEVICE) throw fail('genl', EOPNOTSUPP);
    this.setMessages.push(data);
    if (this.failSetAt && this.failSetAt.n === this.setMessages.length) throw fail('WG_CMD_SET_DEVICE', this.failSetAt.errno);
    this.applySet(m.device);
    return ack();
  }

  /** applySet mirrors wg_set_device / set_peer. */
  private applySet(d: WgDevice): void {
    const dev = this.lookup(d);
    if ((d.flags ?? 0) & ~C.WGDEVICE_F_REPLACE_PEERS) throw fail('WG_CMD_SET_DEVICE', EOPNOTSUPP);
    if (d.fwmark !== undefined) dev.fwmark = d.fwmark;
    if (d.listenPort !== undefined) dev.listenPort = d.listenPort;
    if ((d.flags ?? 0) & C.WGDEVICE_F_REPLACE_PEERS) dev.peers.clear();
    if (d.privateKey !== undefined) dev.privateKey = d.privateKey.equals(ZERO_KEY) ? undefined : d.privateKey;
    for (const p of d.peers ?? []) {
      let flags = p.flags ?? 0;
      if (flags & ~(C.WGPEER_F_REMOVE_ME | C.WGPEER_F_REPLACE_ALLOWEDIPS | C.WGPEER_F_UPDATE_ONLY)) throw fail('WG_CMD_SET_DEVICE', EOPNOTSUPP);
      const id = p.publicKey.toString('hex');
      let peer = dev.peers.get(id);
      if (!peer) {
        if (flags & (C.WGPEER_F_REMOVE_ME | C.WGPEER_F_UPDATE_ONLY)) continue;
        flags &= ~C.WGPEER_F_REPLACE_ALLOWEDIPS;
        peer = { publicKey: p.publicKey, presharedKey: ZERO_KEY, keepalive: 0, allowedIPs: [] };
        dev.peers.set(id, peer);
      }
      if (flags & C.WGPEER_F_REMOVE_ME) {
        dev.peers.delete(id);
        continue;
      }
      if (p.presharedKey) peer.presharedKey = p.presharedKey;
      if (p.endpoint) peer.endpoint = p.endpoint;
      if (flags & C.WGPEER_F_REPLACE_ALLOWEDIPS) peer.allowedIPs = [];
      for (const ip of p.allowedIPs ?? []) {
        if (ip.cidrMask > (ip.family === 2 ? 32 : 128)) throw fail('WG_CMD_SET_DEVICE', EINVAL);
        // The allowed-IPs trie has one owner per prefix: adding it moves it here.
        const masked = maskPrefix(ip);
        for (const other of dev.peers.values()) other.allowedIPs = other.allowedIPs.filter((a) => !samePrefix(a, masked));
        peer.allowedIPs.push(masked);
      }
      if (p.persistentKeepaliveInterval !== undefined) peer.keepalive = p.persistentKeepaliveInterval;
    }
  }

  private genlDump<T>(msg: Request, decode: (m: NetlinkMessage) => T | undefined): T[] {
    if (msg.type !== this.familyId) throw fail('genl dump', EOPNOTSUPP);
    const dev = this.lookup(decodeWgMessage(Buffer.from(msg.data ?? new Uint8Array())).device);
    const perMessage = this.opts.peersPerMessage ?? 50;
    const perPart = this.opts.ipsPerPart ?? 256;
    const parts: WgDevice[] = [];
    let cur: WgDevice = {
      listenPort: dev.listenPort,
      fwmark: dev.fwmark,
      ifindex: dev.ifindex,
      ifname: dev.name,
      ...(dev.privateKey ? { privateKey: dev.privateKey, publicKey: Buffer.from(Key.fromBytes(dev.privateKey).publicKey().bytes()) } : {}),
    };
    let curPeers: WgPeer[] = [];
    const flush = (): void => {
      if (curPeers.length > 0) cur.peers = curPeers;
      parts.push(cur);
      cur = {};
      curPeers = [];
    };
    for (const p of dev.peers.values()) {
      for (let i = 0; i === 0 || i < p.allowedIPs.length; i += perPart) {
        const ips = p.allowedIPs.slice(i, i + perPart);
        const part: WgPeer =
          i === 0
            ? {
                publicKey: p.publicKey,
                presharedKey: p.presharedKey,
                lastHandshakeTime: { sec: 0n, nsec: 0n },
                persistentKeepaliveInterval: p.keepalive,
                txBytes: 0n,
                rxBytes: 0n,
                protocolVersion: 1,
                ...(p.endpoint ? { endpoint: p.endpoint } : {}),
              }
            : { publicKey: p.publicKey };
        if (ips.length > 0) part.allowedIPs = ips;
        curPeers.push(part);
        const more = i + perPart < p.allowedIPs.length;
        if (more || curPeers.length >= perMessage) flush();
      }
    }
    if (curPeers.length > 0 || parts.length === 0) flush();
    return parts.flatMap((part) => {
      const data = encodeWgMessage(C.WG_CMD_GET_DEVICE, part);
      const v = decode({ header: { length: 16 + data.length, type: this.familyId, flags: NLM_F_MULTI, seq: 0, pid: 0 }, data });
      return v === undefined ? [] : [v];
    });
  }

  private routeRequest(msg: Request): AckResult {
    const data = Buffer.from(msg.data ?? new Uint8Array());
    const attrs = new AttributeDecoder(data.subarray(16));
    const name = attrs.string(IFLA_IFNAME) ?? '';
    if (msg.type === RTM_NEWLINK) {
      const kind = attrs.nested(IFLA_LINKINFO)?.string(IFLA_INFO_KIND);
      if (kind !== 'wireguard' || !this.loaded) throw fail('RTM_NEWLINK', EOPNOTSUPP);
      if (this.devices.has(name)) throw fail('RTM_NEWLINK', EEXIST);
      this.devices.set(name, { ifindex: this.nextIndex++, name, listenPort: 0, fwmark: 0, peers: new Map() });
      return ack();
    }
    if (msg.type === RTM_DELLINK) {
      if (!this.devices.delete(name)) throw fail('RTM_DELLINK', ENODEV);
      return ack();
    }
    throw fail('route', EOPNOTSUPP);
  }

  private routeDump<T>(msg: Request, decode: (m: NetlinkMessage) => T | undefined): T[] {
    if (msg.type !== RTM_GETLINK) throw fail('route dump', EOPNOTSUPP);
    return [...this.devices.values()].flatMap((d) => {
      const data = Buffer.concat([
        encodeIfinfomsg({ index: d.ifindex }),
        new AttributeEncoder()
          .string(IFLA_IFNAME, d.name)
          .nested(IFLA_LINKINFO, (li) => li.string(IFLA_INFO_KIND, 'wireguard'), { nestedFlag: false })
          .finish(),
      ]);
      const v = decode({ header: { length: 16 + data.length, type: RTM_NEWLINK, flags: NLM_F_MULTI, seq: 0, pid: 0 }, data });
      return v === undefined ? [] : [v];
    });
  }

  private lookup(d: WgDevice): FakeDevice {
    const dev = d.ifname !== undefined ? this.devices.get(d.ifname) : [...this.devices.values()].find((x) => x.ifindex === d.ifindex);
    if (!dev) throw fail('wireguard lookup_interface', ENODEV);
    return dev;
  }
}

/** maskPrefix clears host bits, as the kernel's allowed-IPs trie stores only the prefix. */
function maskPrefix(ip: WgAllowedIp): WgAllowedIp {
  const bytes = parseIp(ip.address);
  for (let bit = ip.cidrMask; bit < bytes.length * 8; bit++) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) & ~(0x80 >> (bit & 7));
  return { ...ip, address: formatIp(bytes) };
}

function samePrefix(a: WgAllowedIp, b: WgAllowedIp): boolean {
  return a.family === b.family && a.address === b.address && a.cidrMask === b.cidrMask;
}
