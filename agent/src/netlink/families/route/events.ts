/**
 * Route-family events: typed link/address/route/rule notifications from rtnetlink multicast
 * groups (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
 * RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE).
 *
 * Consumers must treat events as hints: a veth emits delayed carrier/linkwatch RTM_NEWLINKs,
 * and on 'overrun' (ENOBUFS) events were lost — re-dump to resync (level-triggered reconcile).
 */
import { EventEmitter } from 'node:events';
import { NetlinkSubscription, type SubscriptionOptions } from '../../conn/subscription.js';
import type { Libc } from '../../ffi/libc.js';
import type { NetlinkMessage } from '../../wire/message.js';
import { NETLINK_ROUTE } from '../../wire/uapi/netlink.js';
import {
  RTM_DELADDR,
  RTM_DELLINK,
  RTM_DELROUTE,
  RTM_DELRULE,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWROUTE,
  RTM_NEWRULE,
} from '../../wire/uapi/rtnetlink.js';
import { type Address, decodeAddress } from './address.js';
import { decodeLink, type Link } from './link.js';
import { decodeRoute, type Route } from './route.js';
import { decodeRule, type Rule } from './rule.js';

export type EventAction = 'new' | 'del';

export type RouteEvent =
  | { kind: 'link'; action: EventAction; link: Link }
  | { kind: 'address'; action: EventAction; address: Address }
  | { kind: 'route'; action: EventAction; route: Route }
  | { kind: 'rule'; action: EventAction; rule: Rule }
  | { kind: 'other'; message: NetlinkMessage };

/** decodeRouteEvent turns one rtnetlink notification into a typed event. */
export function decodeRouteEvent(msg: NetlinkMessage): RouteEvent {
  switch (msg.header.type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
      return { kind: 'link', action: msg.header.type === RTM_NEWLINK ? 'new' : 'del', link: decodeLink(msg) };
    case RTM_NEWADDR:
    case RTM_DELADDR:
      return { kind: 'address', action: msg.header.type === RTM_NEWADDR ? 'new' : 'del', address: decodeAddress(msg) };
    case RTM_NEWROUTE:
    case RTM_DELROUTE:
      return { kind: 'route', action: msg.header.type === RTM_NEWROUTE ? 'new' : 'del', route: decodeRoute(msg) };
    case RTM_NEWRULE:
    case RTM_DELRULE:
      return { kind: 'rule', action: msg.header.type === RTM_NEWRULE ? 'new' : 'del', rule: decodeRule(msg) };
    default:
      return { kind: 'other', message: msg };
  }
}

export interface RouteEventMap {
  event: [RouteEvent];
  /** Events were lost (ENOBUFS): re-dump links/addresses/routes/rules to resync. */
  overrun: [];
  /** A receive or decode failure; the subscription keeps running. */
  error: [Error];
}

/**
 * RouteEventSubscription emits typed 'event's; close() releases the socket so Node can exit.
 * Equivalent to: `ip monitor link address route rule`
 */
export class RouteEventSubscription extends EventEmitter<RouteEventMap> {
  private constructor(private readonly subscription: NetlinkSubscription) {
    super();
    subscription.on('message', (msg) => {
      let event: RouteEvent;
      try {
        event = decodeRouteEvent(msg);
      } catch (err) {
        if (this.listenerCount('error') > 0) this.emit('error', err as Error);
        return;
      }
      this.emit('event', event);
    });
    subscription.on('overrun', () => this.emit('overrun'));
    subscription.on('error', (err) => {
      if (this.listenerCount('error') > 0) this.emit('error', err);
    });
  }

  /** open subscribes to groups (RTNLGRP_* numbers) in options.netns. */
  static open(libc: Libc, groups: readonly number[], options: SubscriptionOptions = {}): RouteEventSubscription {
    return new RouteEventSubscription(NetlinkSubscription.open(libc, NETLINK_ROUTE, groups, options));
  }

  /** Number of overruns so far. */
  get overruns(): number {
    return this.subscription.overruns;
  }

  get receiveBufferSize(): number {
    return this.subscription.receiveBufferSize;
  }

  close(): void {
    this.subscription.close();
  }
}
