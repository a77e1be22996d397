/**
 * Link messages (RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK): the typed Link and its codec.
 * Decoding keeps attributes it does not model in `unknown`, so nothing the kernel says is lost.
 */
import { AttributeDecoder, type RawAttribute } from '../../wire/attribute.js';
import { decodeIfinfomsg, SIZEOF_IFINFOMSG } from '../../wire/family_headers.js';
import { decodeLinkStats64, type LinkStats64 } from '../../wire/link_stats.js';
import type { NetlinkMessage } from '../../wire/message.js';
import { IFF_LOWER_UP, IFF_RUNNING, IFF_UP } from '../../wire/uapi/if.js';
import {
  IFLA_ADDRESS,
  IFLA_BROADCAST,
  IFLA_CARRIER,
  IFLA_GROUP,
  IFLA_IFALIAS,
  IFLA_IFNAME,
  IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_KIND,
  IFLA_LINK,
  IFLA_LINK_NETNSID,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MAX_MTU,
  IFLA_MIN_MTU,
  IFLA_MTU,
  IFLA_OPERSTATE,
  IFLA_PERM_ADDRESS,
  IFLA_QDISC,
  IFLA_STATS64,
  IFLA_TXQLEN,
} from '../../wire/uapi/if_link.js';

/** RFC 2863 operational state names, indexed by IF_OPER_* (as `ip link` prints them, lowercased). */
const OPER_STATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'] as const;
export type OperState = (typeof OPER_STATES)[number];

export interface Link {
  index: number;
  name: string;
  /** ARPHRD_* hardware type (1 = ether, 772 = loopback, 65534 = none). */
  hardwareType: number;
  /** IFF_* flags. */
  flags: number;
  /** Administratively up (IFF_UP). */
  up: boolean;
  /** Carrier present (IFF_LOWER_UP). */
  lowerUp: boolean;
  /** Operationally running (IFF_RUNNING). */
  running: boolean;
  operState: OperState;
  mtu?: number;
  minMtu?: number;
  maxMtu?: number;
  /** IFLA_LINKINFO / IFLA_INFO_KIND: 'veth', 'ifb', 'wireguard', ...; absent for physical devices. */
  kind?: string;
  /** IFLA_INFO_SLAVE_KIND: the master's kind when enslaved ('bridge', 'bond'). */
  slaveKind?: string;
  /** ifindex of the master (bridge, bond, VRF). */
  master?: number;
  /** IFLA_LINK: the lower/peer ifindex (a veth's peer), possibly in another namespace. */
  link?: number;
  /** IFLA_LINK_NETNSID: the namespace id IFLA_LINK refers to. */
  linkNetnsId?: number;
  /** Hardware address as "aa:bb:cc:dd:ee:ff". */
  address?: string;
  broadcast?: string;
  permanentAddress?: string;
  txQueueLength?: number;
  qdisc?: string;
  group?: number;
  alias?: string;
  carrier?: boolean;
  /** IFLA_STATS64: 64-bit counters. */
  stats?: LinkStats64;
  /** Attributes not modelled above. */
  unknown: RawAttribute[];
}

/** formatHardwareAddress prints bytes as colon-separated lowercase hex, like `ip link`. */
export function formatHardwareAddress(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** parseHardwareAddress parses "aa:bb:cc:dd:ee:ff". */
export function parseHardwareAddress(text: string): Buffer {
  const parts = text.split(':');
  if (parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) throw new TypeError(`invalid hardware address '${text}'`);
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

/** decodeLink decodes an RTM_NEWLINK / RTM_DELLINK message. */
export function decodeLink(msg: NetlinkMessage): Link {
  const hdr = decodeIfinfomsg(msg.data);
  const link: Link = {
    index: hdr.index,
    name: '',
    hardwareType: hdr.type,
    flags: hdr.flags,
    up: (hdr.flags & IFF_UP) !== 0,
    lowerUp: (hdr.flags & IFF_LOWER_UP) !== 0,
    running: (hdr.flags & IFF_RUNNING) !== 0,
    operState: 'unknown',
    unknown: [],
  };
  for (const attr of new AttributeDecoder(msg.data.subarray(SIZEOF_IFINFOMSG))) {
    switch (attr.type) {
      case IFLA_IFNAME:
        link.name = attr.string();
        break;
      case IFLA_MTU:
        link.mtu = attr.u32();
        break;
      case IFLA_MIN_MTU:
        link.minMtu = attr.u32();
        break;
      case IFLA_MAX_MTU:
        link.maxMtu = attr.u32();
        break;
      case IFLA_OPERSTATE:
        link.operState = OPER_STATES[attr.u8()] ?? 'unknown';
        break;
      case IFLA_LINKINFO:
        decodeLinkInfo(link, attr.nested());
        break;
      case IFLA_MASTER:
        link.master = attr.u32();
        break;
      case IFLA_LINK:
        link.link = attr.u32();
        break;
      case IFLA_LINK_NETNSID:
        link.linkNetnsId = attr.s32();
        break;
      case IFLA_ADDRESS:
        link.address = formatHardwareAddress(attr.data);
        break;
      case IFLA_BROADCAST:
        link.broadcast = formatHardwareAddress(attr.data);
        break;
      case IFLA_PERM_ADDRESS:
        link.permanentAddress = formatHardwareAddress(attr.data);
        break;
      case IFLA_TXQLEN:
        link.txQueueLength = attr.u32();
        break;
      case IFLA_QDISC:
        link.qdisc = attr.string();
        break;
      case IFLA_GROUP:
        link.group = attr.u32();
        break;
      case IFLA_IFALIAS:
        link.alias = attr.string();
        break;
      case IFLA_CARRIER:
        link.carrier = attr.u8() !== 0;
        break;
      case IFLA_STATS64:
        link.stats = decodeLinkStats64(attr.data);
        break;
      default:
        link.unknown.push(attr.raw());
    }
  }
  return link;
}

function decodeLinkInfo(link: Link, info: AttributeDecoder): void {
  const kind = info.string(IFLA_INFO_KIND);
  if (kind !== undefined) link.kind = kind;
  const slaveKind = info.string(IFLA_INFO_SLAVE_KIND);
  if (slaveKind !== undefined) link.slaveKind = slaveKind;
}
