/**
 * Link messages (RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK): the typed Link and its codec.
 * Decoding keeps attributes it does not model in `unknown`, so nothing the kernel says is lost.
 */
import type { AttributeCursor, RawAttribute } from '../../wire/attribute.js';
import { decodeIfinfomsg, SIZEOF_IFINFOMSG } from '../../wire/family_headers.js';
import { decodeLinkStats64, type LinkStats64 } from '../../wire/link_stats.js';
import { messageDecoder, type MessageView } from '../../wire/message.js';
import { IFF_LOWER_UP, IFF_RUNNING, IFF_UP } from '../../wire/uapi/if.js';
import {
  IFLA_ADDRESS,
  IFLA_ALLMULTI,
  IFLA_BROADCAST,
  IFLA_CARRIER,
  IFLA_CARRIER_CHANGES,
  IFLA_CARRIER_DOWN_COUNT,
  IFLA_CARRIER_UP_COUNT,
  IFLA_GRO_IPV4_MAX_SIZE,
  IFLA_GRO_MAX_SIZE,
  IFLA_GROUP,
  IFLA_GSO_IPV4_MAX_SIZE,
  IFLA_GSO_MAX_SEGS,
  IFLA_GSO_MAX_SIZE,
  IFLA_HEADROOM,
  IFLA_IFALIAS,
  IFLA_IFNAME,
  IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_KIND,
  IFLA_LINK,
  IFLA_LINK_NETNSID,
  IFLA_LINKINFO,
  IFLA_LINKMODE,
  IFLA_MASTER,
  IFLA_MAX_MTU,
  IFLA_MIN_MTU,
  IFLA_MTU,
  IFLA_NETNS_IMMUTABLE,
  IFLA_NUM_RX_QUEUES,
  IFLA_NUM_TX_QUEUES,
  IFLA_OPERSTATE,
  IFLA_PERM_ADDRESS,
  IFLA_PROMISCUITY,
  IFLA_PROTO_DOWN,
  IFLA_QDISC,
  IFLA_STATS64,
  IFLA_TAILROOM,
  IFLA_TSO_MAX_SEGS,
  IFLA_TSO_MAX_SIZE,
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
  /** IFLA_CARRIER_CHANGES / _UP_COUNT / _DOWN_COUNT: carrier transitions since creation. */
  carrierChanges?: number;
  carrierUpCount?: number;
  carrierDownCount?: number;
  /** IFLA_PROTO_DOWN: held down by a protocol (e.g. a failed MLAG peer). */
  protoDown?: boolean;
  /** IFLA_LINKMODE: IF_LINK_MODE_DEFAULT (0), _DORMANT (1), _TESTING (2). */
  linkMode?: number;
  /** IFLA_PROMISCUITY / IFLA_ALLMULTI: promiscuous and all-multicast reference counts. */
  promiscuity?: number;
  allmulti?: number;
  /** IFLA_NUM_TX_QUEUES / IFLA_NUM_RX_QUEUES. */
  numTxQueues?: number;
  numRxQueues?: number;
  /** Offload limits, as `ip -d link` prints them (gso_max_size, tso_max_segs, ...). */
  gsoMaxSize?: number;
  gsoMaxSegs?: number;
  groMaxSize?: number;
  tsoMaxSize?: number;
  tsoMaxSegs?: number;
  gsoIpv4MaxSize?: number;
  groIpv4MaxSize?: number;
  /** IFLA_HEADROOM / IFLA_TAILROOM: extra bytes the device needs around a packet. */
  headroom?: number;
  tailroom?: number;
  /** IFLA_NETNS_IMMUTABLE: the link cannot be moved to another namespace. */
  netnsImmutable?: boolean;
  /** IFLA_STATS64: 64-bit counters. */
  stats?: LinkStats64;
  /** Attributes not modelled above. */
  unknown: RawAttribute[];
}

/** formatHardwareAddress prints bytes as colon-separated lowercase hex, like `ip link`. */
export function formatHardwareAddress(bytes: Uint8Array): string {
  // One string built from character codes: no intermediate strings (a link dump formats three
  // addresses per link).
  const codes: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (i !== 0) codes.push(COLON);
    codes.push(HEX_DIGIT[b >> 4]!, HEX_DIGIT[b & 0xf]!);
  }
  return String.fromCharCode(...codes);
}

const COLON = 0x3a;
/** Character codes of '0'–'9', 'a'–'f'. */
const HEX_DIGIT = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** parseHardwareAddress parses "aa:bb:cc:dd:ee:ff". */
export function parseHardwareAddress(text: string): Buffer {
  const parts = text.split(':');
  if (parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) throw new TypeError(`invalid hardware address '${text}'`);
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

/**
 * decodeLink decodes an RTM_NEWLINK / RTM_DELLINK message (a MessageDecoder: dumps decode each
 * message in place). Unknown attributes keep views into the received datagram, which conn/
 * never reuses, instead of one copy each.
 */
export const decodeLink = messageDecoder(readLink);

function readLink(msg: MessageView): Link {
  const hdr = msg.familyHeader(decodeIfinfomsg);
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
  for (const attr = msg.attributes(SIZEOF_IFINFOMSG); attr.next(); ) {
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
        link.address = formatHardwareAddress(attr.view());
        break;
      case IFLA_BROADCAST:
        link.broadcast = formatHardwareAddress(attr.view());
        break;
      case IFLA_PERM_ADDRESS:
        link.permanentAddress = formatHardwareAddress(attr.view());
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
        link.stats = decodeLinkStats64(attr.view());
        break;
      case IFLA_CARRIER_CHANGES:
        link.carrierChanges = attr.u32();
        break;
      case IFLA_CARRIER_UP_COUNT:
        link.carrierUpCount = attr.u32();
        break;
      case IFLA_CARRIER_DOWN_COUNT:
        link.carrierDownCount = attr.u32();
        break;
      case IFLA_PROTO_DOWN:
        link.protoDown = attr.u8() !== 0;
        break;
      case IFLA_LINKMODE:
        link.linkMode = attr.u8();
        break;
      case IFLA_PROMISCUITY:
        link.promiscuity = attr.u32();
        break;
      case IFLA_ALLMULTI:
        link.allmulti = attr.u32();
        break;
      case IFLA_NUM_TX_QUEUES:
        link.numTxQueues = attr.u32();
        break;
      case IFLA_NUM_RX_QUEUES:
        link.numRxQueues = attr.u32();
        break;
      case IFLA_GSO_MAX_SIZE:
        link.gsoMaxSize = attr.u32();
        break;
      case IFLA_GSO_MAX_SEGS:
        link.gsoMaxSegs = attr.u32();
        break;
      case IFLA_GRO_MAX_SIZE:
        link.groMaxSize = attr.u32();
        break;
      case IFLA_TSO_MAX_SIZE:
        link.tsoMaxSize = attr.u32();
        break;
      case IFLA_TSO_MAX_SEGS:
        link.tsoMaxSegs = attr.u32();
        break;
      case IFLA_GSO_IPV4_MAX_SIZE:
        link.gsoIpv4MaxSize = attr.u32();
        break;
      case IFLA_GRO_IPV4_MAX_SIZE:
        link.groIpv4MaxSize = attr.u32();
        break;
      case IFLA_HEADROOM:
        link.headroom = attr.u16();
        break;
      case IFLA_TAILROOM:
        link.tailroom = attr.u16();
        break;
      case IFLA_NETNS_IMMUTABLE:
        link.netnsImmutable = attr.u8() !== 0;
        break;
      default:
        link.unknown.push(attr.rawView());
    }
  }
  return link;
}

function decodeLinkInfo(link: Link, info: AttributeCursor): void {
  while (info.next()) {
    if (info.type === IFLA_INFO_KIND && link.kind === undefined) link.kind = info.string();
    else if (info.type === IFLA_INFO_SLAVE_KIND && link.slaveKind === undefined) link.slaveKind = info.string();
  }
}
