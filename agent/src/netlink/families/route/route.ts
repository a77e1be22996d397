/**
 * Route messages (RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE): the typed Route, the RouteSpec
 * used to add/replace/delete, and their codec.
 *
 * Tables: rtm_table is a u8. Requests put ids ≤ 255 in rtm_table and larger ids in RTA_TABLE
 * with rtm_table = RT_TABLE_UNSPEC (as iproute2 does); replies always carry RTA_TABLE and set
 * rtm_table to RT_TABLE_COMPAT (252) for ids > 255, so decoding prefers RTA_TABLE.
 */
import { type AddressFamily, ipFamily, parseIp, parsePrefix } from '../../wire/address.js';
import type { RawAttribute } from '../../wire/attribute.js';
import { AttributeEncoder } from '../../wire/encoder.js';
import { decodeRtmsg, encodeRtmsg, SIZEOF_RTMSG } from '../../wire/family_headers.js';
import { messageDecoder, type MessageView } from '../../wire/message.js';
import {
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_LOCAL,
  RT_TABLE_MAIN,
  RT_TABLE_UNSPEC,
  RTA_DST,
  RTA_GATEWAY,
  RTA_IIF,
  RTA_MARK,
  RTA_OIF,
  RTA_PREF,
  RTA_PREFSRC,
  RTA_PRIORITY,
  RTA_SRC,
  RTA_TABLE,
  RTPROT_BOOT,
  RTPROT_UNSPEC,
} from '../../wire/uapi/rtnetlink.js';
import { AF_INET } from '../../wire/uapi/socket.js';

/** rtm_type names indexed by RTN_* value, as `ip route` prints them. */
export const ROUTE_TYPES = [
  'unspec',
  'unicast',
  'local',
  'broadcast',
  'anycast',
  'multicast',
  'blackhole',
  'unreachable',
  'prohibit',
  'throw',
  'nat',
  'xresolve',
] as const;
export type RouteType = (typeof ROUTE_TYPES)[number];

/** Largest rtm_table value; bigger ids need RTA_TABLE. */
const MAX_HEADER_TABLE = 255;

export interface Route {
  family: AddressFamily;
  /** Destination prefix address; undefined for a default route (decoded routes always have the key). */
  dst?: string;
  dstLength: number;
  src?: string;
  srcLength: number;
  tos: number;
  table: number;
  /** RTPROT_* (2 = kernel, 3 = boot, 4 = static, ...). */
  protocol: number;
  /** RT_SCOPE_* (0 = universe, 253 = link, 254 = host). */
  scope: number;
  type: RouteType;
  /** RTM_F_* and RTNH_F_* flags. */
  flags: number;
  gateway?: string;
  prefsrc?: string;
  /** Output ifindex; undefined for routes without a device (decoded routes always have the key). */
  oif?: number;
  iif?: number;
  /** RTA_PRIORITY: the metric. */
  metric?: number;
  mark?: number;
  /** RTA_PREF: IPv6 router preference. */
  pref?: number;
  /** Attributes not modelled above; shared and frozen when empty. */
  unknown: readonly RawAttribute[];
}

export interface RouteSpec {
  /** "10.1.0.0/24", "fd00::/64", a bare address (host route) or "default". */
  dst: string;
  /** Needed only for "default" without a gateway; otherwise derived from the addresses. */
  family?: AddressFamily;
  /** Routing table id (default main, or local for type local). */
  table?: number;
  /** RTA_PRIORITY. */
  metric?: number;
  gateway?: string;
  /** Preferred source address (RTA_PREFSRC, "src" in ip). */
  prefsrc?: string;
  /** Source prefix (RTA_SRC, "from" in ip; IPv6 subtrees). */
  src?: string;
  /** Output ifindex. */
  oif?: number;
  /** RTPROT_* (default boot for add, as ip; any for delete). */
  protocol?: number;
  /** RT_SCOPE_* (default as ip: host for local, link for gateway-less unicast, else universe). */
  scope?: number;
  /** Default unicast (any for delete). */
  type?: RouteType;
  tos?: number;
}

/**
 * decodeRoute decodes an RTM_NEWROUTE / RTM_DELROUTE message (a MessageDecoder: dumps decode
 * each message in place, without building a NetlinkMessage).
 */
export const decodeRoute = messageDecoder(readRoute);

/**
 * The `unknown` of every route that has none (nearly all): one shared frozen array instead of an
 * empty array per route, which a 100k-route dump would otherwise allocate and keep alive.
 */
const NO_ATTRIBUTES: readonly RawAttribute[] = Object.freeze([]);

function readRoute(msg: MessageView): Route {
  const hdr = msg.familyHeader(decodeRtmsg);
  const route: Route = {
    family: hdr.family as AddressFamily,
    dstLength: hdr.dstLength,
    srcLength: hdr.srcLength,
    tos: hdr.tos,
    table: hdr.table,
    protocol: hdr.protocol,
    scope: hdr.scope,
    type: ROUTE_TYPES[hdr.type] ?? 'unspec',
    flags: hdr.flags,
    // Set up front (undefined when absent) because nearly every route has them: in the literal
    // they are in-object fields, added later they would need a property array per route, which
    // costs a 100k-route dump ~8% in time and garbage collection.
    dst: undefined,
    oif: undefined,
    unknown: NO_ATTRIBUTES,
  };
  let unknown: RawAttribute[] | undefined;
  for (const attr = msg.attributes(SIZEOF_RTMSG); attr.next(); ) {
    switch (attr.type) {
      case RTA_DST:
        route.dst = attr.ip();
        break;
      case RTA_SRC:
        route.src = attr.ip();
        break;
      case RTA_TABLE:
        route.table = attr.u32();
        break;
      case RTA_GATEWAY:
        route.gateway = attr.ip();
        break;
      case RTA_PREFSRC:
        route.prefsrc = attr.ip();
        break;
      case RTA_OIF:
        route.oif = attr.u32();
        break;
      case RTA_IIF:
        route.iif = attr.u32();
        break;
      case RTA_PRIORITY:
        route.metric = attr.u32();
        break;
      case RTA_MARK:
        route.mark = attr.u32();
        break;
      case RTA_PREF:
        route.pref = attr.u8();
        break;
      default:
        (unknown ??= []).push(attr.rawView());
    }
  }
  if (unknown !== undefined) route.unknown = unknown;
  return route;
}

function routeFamily(spec: RouteSpec): AddressFamily {
  if (spec.dst !== 'default') return ipFamily(spec.dst.split('/')[0] ?? '');
  if (spec.gateway !== undefined) return ipFamily(spec.gateway);
  if (spec.prefsrc !== undefined) return ipFamily(spec.prefsrc);
  return spec.family ?? AF_INET;
}

function defaultScope(type: RouteType, hasGateway: boolean, forDelete: boolean): number {
  if (type === 'local' || type === 'nat') return RT_SCOPE_HOST;
  if (type === 'broadcast' || type === 'multicast' || type === 'anycast') return RT_SCOPE_LINK;
  if (type === 'unicast' || type === 'unspec') {
    if (forDelete) return RT_SCOPE_NOWHERE;
    if (!hasGateway) return RT_SCOPE_LINK;
  }
  return RT_SCOPE_UNIVERSE;
}

/**
 * encodeRoute builds rtmsg + attributes for RTM_NEWROUTE (forDelete false) or RTM_DELROUTE,
 * with iproute2's defaults and attribute order (dst, src, gateway, prefsrc, metric, table, oif),
 * so the bytes equal those of the equivalent `ip route` command.
 */
export function encodeRoute(spec: RouteSpec, forDelete = false): Buffer {
  const family = routeFamily(spec);
  const dst = spec.dst === 'default' ? undefined : parsePrefix(spec.dst);
  if (dst && dst.family !== family) throw new TypeError(`route ${spec.dst}: mixed address families`);
  const src = spec.src === undefined ? undefined : parsePrefix(spec.src);
  for (const addr of [spec.gateway, spec.prefsrc, spec.src?.split('/')[0]]) {
    if (addr !== undefined && ipFamily(addr) !== family) throw new TypeError(`route ${spec.dst}: mixed address families (${addr})`);
  }
  const type: RouteType = spec.type ?? (forDelete ? 'unspec' : 'unicast');
  const table = spec.table ?? (type === 'local' ? RT_TABLE_LOCAL : RT_TABLE_MAIN);
  const attrs = new AttributeEncoder();
  if (dst) attrs.bytes(RTA_DST, parseIp(dst.address));
  if (src) attrs.bytes(RTA_SRC, parseIp(src.address));
  if (spec.gateway !== undefined) attrs.ip(RTA_GATEWAY, spec.gateway);
  if (spec.prefsrc !== undefined) attrs.ip(RTA_PREFSRC, spec.prefsrc);
  if (spec.metric !== undefined) attrs.u32(RTA_PRIORITY, spec.metric);
  if (table > MAX_HEADER_TABLE) attrs.u32(RTA_TABLE, table);
  if (spec.oif !== undefined) attrs.u32(RTA_OIF, spec.oif);
  const header = encodeRtmsg({
    family,
    dstLength: dst ? dst.prefixLength : 0,
    srcLength: src ? src.prefixLength : 0,
    tos: spec.tos ?? 0,
    table: table > MAX_HEADER_TABLE ? RT_TABLE_UNSPEC : table,
    protocol: spec.protocol ?? (forDelete ? RTPROT_UNSPEC : RTPROT_BOOT),
    scope: spec.scope ?? defaultScope(type, spec.gateway !== undefined, forDelete),
    type: ROUTE_TYPES.indexOf(type),
  });
  return Buffer.concat([header, attrs.finish()]);
}
