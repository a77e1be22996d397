/**
 * Route operations: list (filtered by the kernel), add, replace, delete — IPv4 and IPv6.
 */
import type { BatchResult, NetlinkRequester, Request } from '../../conn/connection.js';
import { NetlinkError } from '../../conn/errors.js';
import { AttributeEncoder } from '../../wire/encoder.js';
import { encodeRtmsg } from '../../wire/family_headers.js';
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from '../../wire/uapi/netlink.js';
import { RTA_OIF, RTA_TABLE, RTM_DELROUTE, RTM_GETROUTE, RTM_NEWROUTE } from '../../wire/uapi/rtnetlink.js';
import { AF_UNSPEC } from '../../wire/uapi/socket.js';
import { changeResult, type ChangeResult } from './common.js';
import { decodeRoute, encodeRoute, type Route, type RouteSpec } from './route.js';

export interface RouteFilter {
  /** AF_INET or AF_INET6; both when absent. */
  family?: number;
  /** Only this table (any id, sent as RTA_TABLE). */
  table?: number;
  /** Only routes out of this ifindex. */
  oif?: number;
}

/**
 * listRoutes dumps routes. Filters are applied by the kernel (the connection enables
 * NETLINK_GET_STRICT_CHK; without it the kernel ignores them and returns every table). A table
 * that does not exist yields [] (the kernel answers ENOENT "FIB table does not exist").
 * Equivalent to: `ip [-6] route show table <id> [dev <name>]`
 */
export async function listRoutes(nl: NetlinkRequester, filter: RouteFilter = {}): Promise<Route[]> {
  const attrs = new AttributeEncoder();
  if (filter.table !== undefined) attrs.u32(RTA_TABLE, filter.table);
  if (filter.oif !== undefined) attrs.u32(RTA_OIF, filter.oif);
  const data = Buffer.concat([encodeRtmsg({ family: filter.family ?? AF_UNSPEC }), attrs.finish()]);
  try {
    return await nl.dump({ type: RTM_GETROUTE, flags: 0, data }, decodeRoute, { op: 'RTM_GETROUTE' });
  } catch (err) {
    if (filter.table !== undefined && err instanceof NetlinkError && err.code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * addRoute adds a route; EEXIST if an identical one exists.
 * Equivalent to: `ip route add <dst> [via <gw>] [src <prefsrc>] [metric N] [table T] [dev D]`
 */
export async function addRoute(nl: NetlinkRequester, spec: RouteSpec): Promise<ChangeResult> {
  const data = encodeRoute(spec);
  return changeResult(await nl.request({ type: RTM_NEWROUTE, flags: NLM_F_CREATE | NLM_F_EXCL, data }, { op: 'RTM_NEWROUTE' }));
}

/**
 * replaceRoute adds a route or replaces the one with the same dst/table/metric/tos.
 * Equivalent to: `ip route replace <dst> ...`
 */
export async function replaceRoute(nl: NetlinkRequester, spec: RouteSpec): Promise<ChangeResult> {
  const data = encodeRoute(spec);
  return changeResult(await nl.request({ type: RTM_NEWROUTE, flags: NLM_F_CREATE | NLM_F_REPLACE, data }, { op: 'RTM_NEWROUTE' }));
}

/**
 * deleteRoute deletes the first route matching spec (unset fields match anything); ESRCH when
 * none matches.
 * Equivalent to: `ip route del <dst> [table T] [metric N] ...`
 */
export async function deleteRoute(nl: NetlinkRequester, spec: RouteSpec): Promise<ChangeResult> {
  const data = encodeRoute(spec, true);
  return changeResult(await nl.request({ type: RTM_DELROUTE, flags: 0, data }, { op: 'RTM_DELROUTE' }));
}

/**
 * addRoutes adds many routes with one sendto per window (conn BATCH_WINDOW); one result per
 * route, in order.
 * Equivalent to: `ip -batch` with `route add` lines
 */
export function addRoutes(nl: NetlinkRequester, specs: Iterable<RouteSpec>, options: { replace?: boolean } = {}): Promise<BatchResult[]> {
  const flags = NLM_F_CREATE | (options.replace ? NLM_F_REPLACE : NLM_F_EXCL);
  function* requests(): Generator<Request> {
    for (const s of specs) yield { type: RTM_NEWROUTE, flags, data: encodeRoute(s) };
  }
  return nl.batch(requests(), { op: 'RTM_NEWROUTE' });
}
