/**
 * Link operations: list, get, create (veth, ifb, wireguard, any kind), delete, up/down, MTU.
 * Each function names its iproute2 equivalent. Functions take a NetlinkRequester (a connection
 * opened in the right namespace by the composition root) as their first argument.
 */
import type { NetlinkRequester } from '../../conn/connection.js';
import { AttributeEncoder } from '../../wire/encoder.js';
import { encodeIfinfomsg } from '../../wire/family_headers.js';
import { IFF_UP } from '../../wire/uapi/if.js';
import {
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  IFLA_NET_NS_PID,
} from '../../wire/uapi/if_link.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../wire/uapi/netlink.js';
import { RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK } from '../../wire/uapi/rtnetlink.js';
import { VETH_INFO_PEER } from '../../wire/uapi/veth.js';
import { changeResult, type ChangeResult, checkName, type LinkRef, linkSelector, message } from './common.js';
import { decodeLink, type Link, parseHardwareAddress } from './link.js';


/** Where to place a new link (or a veth peer): a namespace fd or a process's namespace. */
export type NetnsTarget = { fd: number } | { pid: number };

export interface CreateLinkOptions {
  mtu?: number;
  /** Hardware address "aa:bb:cc:dd:ee:ff". */
  address?: string;
  /** Create the link administratively up. */
  up?: boolean;
  /** Create the link directly in another namespace. */
  netns?: NetnsTarget;
}

export interface CreateLinkSpec extends CreateLinkOptions {
  name: string;
  /** IFLA_INFO_KIND: 'veth', 'ifb', 'wireguard', 'dummy', 'bridge', ... */
  kind: string;
  /** Writes IFLA_INFO_DATA attributes for kinds that take them. */
  data?: (enc: AttributeEncoder) => void;
}

export interface VethOptions extends CreateLinkOptions {
  /** Options for the peer end (mtu, address, netns; `up` is not applied to the peer). */
  peer?: Omit<CreateLinkOptions, 'up'>;
}

/**
 * listLinks dumps every link with its statistics.
 * Equivalent to: `ip -s link show`
 */
export function listLinks(nl: NetlinkRequester): Promise<Link[]> {
  return nl.dump(message(RTM_GETLINK, 0, encodeIfinfomsg()), decodeLink, { op: 'RTM_GETLINK' });
}

/**
 * getLink fetches one link by name or index; rejects with NetlinkError ENODEV when absent.
 * Equivalent to: `ip -s link show dev <name>`
 */
export async function getLink(nl: NetlinkRequester, ref: LinkRef): Promise<Link> {
  const { header, attrs } = linkSelector(ref);
  const ack = await nl.request(message(RTM_GETLINK, 0, header, attrs), { op: 'RTM_GETLINK' });
  const reply = ack.messages.find((m) => m.header.type === RTM_NEWLINK);
  if (!reply) throw new Error(`RTM_GETLINK ${String(ref)}: no link in reply`);
  return decodeLink(reply);
}

/**
 * createLink creates a link of any kind, failing with EEXIST if the name is taken and with
 * EOPNOTSUPP "Unknown device type" if the kernel lacks the kind (e.g. no wireguard module).
 * Equivalent to: `ip link add <name> [mtu N] [address A] type <kind>`
 */
export async function createLink(nl: NetlinkRequester, spec: CreateLinkSpec): Promise<ChangeResult> {
  checkName(spec.name);
  const attrs = new AttributeEncoder();
  writeLinkOptions(attrs, spec.name, spec);
  attrs.nested(
    IFLA_LINKINFO,
    (info) => {
      // Without the NUL, as iproute2 and vishvananda/netlink send it (an NLA_STRING either way).
      info.bytes(IFLA_INFO_KIND, Buffer.from(spec.kind));
      if (spec.data) info.nested(IFLA_INFO_DATA, spec.data, { nestedFlag: false });
    },
    { nestedFlag: false },
  );
  const header = encodeIfinfomsg(spec.up ? { flags: IFF_UP, change: IFF_UP } : {});
  const ack = await nl.request(message(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, header, attrs), { op: 'RTM_NEWLINK' });
  return changeResult(ack);
}

/**
 * createVeth creates a veth pair; the peer can be placed in another namespace directly.
 * Equivalent to: `ip link add <name> type veth peer name <peerName> [netns <ns>]`
 */
export function createVeth(nl: NetlinkRequester, name: string, peerName: string, options: VethOptions = {}): Promise<ChangeResult> {
  checkName(peerName);
  return createLink(nl, {
    ...options,
    name,
    kind: 'veth',
    data: (data) => {
      const peer = new AttributeEncoder();
      writeLinkOptions(peer, peerName, options.peer ?? {});
      // VETH_INFO_PEER is a struct ifinfomsg followed by the peer's IFLA_* attributes.
      data.bytes(VETH_INFO_PEER, Buffer.concat([encodeIfinfomsg(), peer.finish()]));
    },
  });
}

/**
 * createIfb creates an intermediate functional block device (ingress shaping target).
 * Equivalent to: `ip link add <name> type ifb`
 */
export function createIfb(nl: NetlinkRequester, name: string, options: CreateLinkOptions = {}): Promise<ChangeResult> {
  return createLink(nl, { ...options, name, kind: 'ifb' });
}

/**
 * createWireguard creates a kernel WireGuard interface. Kernels without the module answer
 * NetlinkError EOPNOTSUPP "Unknown device type"; callers fall back to the userspace backend.
 * Equivalent to: `ip link add <name> type wireguard`
 */
export function createWireguard(nl: NetlinkRequester, name: string, options: CreateLinkOptions = {}): Promise<ChangeResult> {
  return createLink(nl, { ...options, name, kind: 'wireguard' });
}

/**
 * deleteLink deletes a link (both ends of a veth go); ENODEV when absent.
 * Equivalent to: `ip link del <name>`
 */
export async function deleteLink(nl: NetlinkRequester, ref: LinkRef): Promise<ChangeResult> {
  const { header, attrs } = linkSelector(ref);
  return changeResult(await nl.request(message(RTM_DELLINK, 0, header, attrs), { op: 'RTM_DELLINK' }));
}

/**
 * setLinkUp sets IFF_UP.
 * Equivalent to: `ip link set <name> up`
 */
export function setLinkUp(nl: NetlinkRequester, ref: LinkRef): Promise<ChangeResult> {
  return setFlags(nl, ref, IFF_UP, IFF_UP);
}

/**
 * setLinkDown clears IFF_UP.
 * Equivalent to: `ip link set <name> down`
 */
export function setLinkDown(nl: NetlinkRequester, ref: LinkRef): Promise<ChangeResult> {
  return setFlags(nl, ref, 0, IFF_UP);
}

/**
 * setLinkMtu changes the MTU; the kernel rejects values outside [minMtu, maxMtu] with EINVAL
 * "mtu less than device minimum" / "mtu greater than device maximum".
 * Equivalent to: `ip link set <name> mtu <mtu>`
 */
export async function setLinkMtu(nl: NetlinkRequester, ref: LinkRef, mtu: number): Promise<ChangeResult> {
  const { header, attrs } = linkSelector(ref);
  attrs.u32(IFLA_MTU, mtu);
  return changeResult(await nl.request(message(RTM_NEWLINK, 0, header, attrs), { op: 'RTM_NEWLINK' }));
}

/**
 * setLinkNetns moves a link into another network namespace.
 * Equivalent to: `ip link set <name> netns <ns>`
 */
export async function setLinkNetns(nl: NetlinkRequester, ref: LinkRef, target: NetnsTarget): Promise<ChangeResult> {
  const { header, attrs } = linkSelector(ref);
  writeNetns(attrs, target);
  return changeResult(await nl.request(message(RTM_NEWLINK, 0, header, attrs), { op: 'RTM_NEWLINK' }));
}

async function setFlags(nl: NetlinkRequester, ref: LinkRef, flags: number, change: number): Promise<ChangeResult> {
  const { header, attrs } = linkSelector(ref, { flags, change });
  return changeResult(await nl.request(message(RTM_NEWLINK, 0, header, attrs), { op: 'RTM_NEWLINK' }));
}

function writeLinkOptions(attrs: AttributeEncoder, name: string, options: CreateLinkOptions): void {
  attrs.string(IFLA_IFNAME, name);
  if (options.mtu !== undefined) attrs.u32(IFLA_MTU, options.mtu);
  if (options.address !== undefined) attrs.bytes(IFLA_ADDRESS, parseHardwareAddress(options.address));
  if (options.netns !== undefined) writeNetns(attrs, options.netns);
}

function writeNetns(attrs: AttributeEncoder, target: NetnsTarget): void {
  if ('fd' in target) attrs.u32(IFLA_NET_NS_FD, target.fd);
  else attrs.u32(IFLA_NET_NS_PID, target.pid);
}
