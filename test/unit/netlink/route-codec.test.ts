/**
 * Property tests for the route-family codecs: random links, addresses, routes and rules are
 * encoded and decoded back, and the request builders of the family functions are checked.
 */
import { describe, expect, it } from 'vitest';
import * as route from '../../../agent/src/netlink/families/route/index.js';
import { formatIp, parseIp } from '../../../agent/src/netlink/wire/address.js';
import { AttributeDecoder } from '../../../agent/src/netlink/wire/attribute.js';
import { AttributeEncoder } from '../../../agent/src/netlink/wire/encoder.js';
import { decodeIfinfomsg, encodeIfinfomsg, SIZEOF_IFINFOMSG } from '../../../agent/src/netlink/wire/family_headers.js';
import { encodeLinkStats64, LINK_STATS64_FIELDS, type LinkStats64 } from '../../../agent/src/netlink/wire/link_stats.js';
import type { NetlinkMessage } from '../../../agent/src/netlink/wire/message.js';
import { IFF_UP } from '../../../agent/src/netlink/wire/uapi/if.js';
import { IFLA_IFNAME, IFLA_INFO_KIND, IFLA_LINKINFO, IFLA_MASTER, IFLA_MTU, IFLA_OPERSTATE, IFLA_STATS64 } from '../../../agent/src/netlink/wire/uapi/if_link.js';
import { RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_TABLE_MAIN, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE, RTM_NEWRULE, RTPROT_BOOT } from '../../../agent/src/netlink/wire/uapi/rtnetlink.js';
import { AF_INET, AF_INET6 } from '../../../agent/src/netlink/wire/uapi/socket.js';
import { RecordingRequester } from './fake.js';
import { forSeeds, type Prng, PROPERTY_RUNS } from '../../support/prng.js';

const msg = (type: number, data: Buffer): NetlinkMessage => ({ header: { length: 16 + data.length, type, flags: 0, seq: 0, pid: 0 }, data });

/** A random prefix, normalised (host bits cleared) so it reads back identically. */
function prefix(rng: Prng, v6: boolean): { address: string; length: number } {
  const bits = v6 ? 128 : 32;
  const length = rng.int(0, bits);
  const bytes = v6 ? rng.ipv6Bytes() : rng.bytes(4);
  for (let bit = length; bit < bits; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return { address: formatIp(bytes), length };
}

/** defined drops undefined properties, so toMatchObject only checks what the spec set. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const host = (rng: Prng, v6: boolean): string => (v6 ? formatIp(rng.ipv6Bytes()) : rng.ipv4());

describe('route codec properties', () => {
  it('encodeRoute → decodeRoute preserves every field, for any table id and both families', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const v6 = rng.bool();
      const dst = prefix(rng, v6);
      const spec: route.RouteSpec = {
        dst: `${dst.address}/${dst.length}`,
        table: rng.pick([RT_TABLE_MAIN, 100, 255, 256, 1000, 0xfffffffe]),
        type: rng.pick(['unicast', 'blackhole', 'unreachable', 'prohibit', 'local'] as const),
        protocol: rng.int(0, 255),
        scope: rng.pick([0, 200, 253, 254]),
      };
      if (rng.bool()) spec.metric = rng.u32();
      if (rng.bool()) spec.gateway = host(rng, v6);
      if (rng.bool()) spec.prefsrc = host(rng, v6);
      if (rng.bool()) spec.oif = rng.int(1, 0x7fffffff);
      const r = route.decodeRoute(msg(RTM_NEWROUTE, route.encodeRoute(spec)));
      expect(r).toMatchObject(defined({
        family: v6 ? AF_INET6 : AF_INET,
        dstLength: dst.length,
        table: spec.table,
        type: spec.type,
        protocol: spec.protocol,
        scope: spec.scope,
        metric: spec.metric,
        gateway: spec.gateway,
        prefsrc: spec.prefsrc,
        oif: spec.oif,
        unknown: [],
      }));
      expect(r.dst).toBe(dst.address);
    });
  });

  it('applies iproute2 defaults: main table, boot protocol, link scope without gateway, nowhere scope on delete', () => {
    const add = route.decodeRoute(msg(RTM_NEWROUTE, route.encodeRoute({ dst: '10.0.0.0/8', oif: 2 })));
    expect(add).toMatchObject({ table: RT_TABLE_MAIN, protocol: RTPROT_BOOT, scope: RT_SCOPE_LINK, type: 'unicast' });
    const del = route.decodeRoute(msg(RTM_NEWROUTE, route.encodeRoute({ dst: '10.0.0.0/8' }, true)));
    expect(del).toMatchObject({ protocol: 0, scope: RT_SCOPE_NOWHERE, type: 'unspec' });
    const def = route.decodeRoute(msg(RTM_NEWROUTE, route.encodeRoute({ dst: 'default', gateway: 'fd00::1' })));
    expect(def).toMatchObject({ family: AF_INET6, dstLength: 0, gateway: 'fd00::1', scope: 0 });
    expect(def.dst).toBeUndefined();
    // dst and oif are always keys of a decoded route (in-object fields), undefined when absent
    expect(Object.keys(def)).toEqual(expect.arrayContaining(['dst', 'oif']));
  });

  it('rejects mixed families', () => {
    expect(() => route.encodeRoute({ dst: '10.0.0.0/8', gateway: 'fd00::1' })).toThrow();
  });

  it('encodeRule → decodeRule preserves every field', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const v6 = rng.bool();
      const spec: route.RuleSpec = { family: v6 ? AF_INET6 : AF_INET, priority: rng.u32(), invert: rng.bool() };
      if (rng.bool()) {
        const p = prefix(rng, v6);
        spec.src = `${p.address}/${p.length}`;
      }
      if (rng.bool()) {
        const p = prefix(rng, v6);
        spec.dst = `${p.address}/${p.length}`;
      }
      if (rng.bool()) spec.fwmark = rng.u32();
      if (rng.bool()) spec.fwmask = rng.u32();
      if (rng.bool()) spec.iifName = rng.string(1, 15);
      if (rng.bool()) spec.oifName = rng.string(1, 15);
      if (rng.bool()) spec.protocol = rng.u8();
      if (rng.bool()) spec.table = rng.pick([100, 255, 256, 5000]);
      else spec.action = rng.pick(['blackhole', 'unreachable', 'prohibit'] as const);
      const r = route.decodeRule(msg(RTM_NEWRULE, route.encodeRule(spec)));
      expect(r).toMatchObject(defined({
        family: spec.family,
        priority: spec.priority,
        invert: spec.invert,
        fwmark: spec.fwmark,
        fwmask: spec.fwmask,
        iifName: spec.iifName,
        oifName: spec.oifName,
        protocol: spec.protocol,
        table: spec.table ?? 0,
        action: spec.action ?? 'lookup',
      }));
      expect(r.src && `${r.src}/${r.srcLength}`).toBe(spec.src);
      expect(r.dst && `${r.dst}/${r.dstLength}`).toBe(spec.dst);
    });
  });

  it('encodeAddress → decodeAddress preserves address, peer, prefix, scope, flags, label', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const v6 = rng.bool();
      const spec: route.AddressSpec = {
        index: rng.int(1, 0xffff),
        address: host(rng, v6),
        prefixLength: rng.int(0, v6 ? 128 : 32),
        scope: rng.pick([0, 253, 254]),
        flags: rng.pick([0, 0x2, 0x80, 0x200, 0x2 | 0x200]),
      };
      if (rng.bool()) spec.peer = host(rng, v6);
      if (!v6 && rng.bool()) spec.broadcast = rng.ipv4();
      if (!v6 && rng.bool()) spec.label = rng.string(1, 15);
      const a = route.decodeAddress(msg(RTM_NEWADDR, route.encodeAddress(spec)));
      expect(a).toMatchObject(defined({
        family: v6 ? AF_INET6 : AF_INET,
        index: spec.index,
        address: spec.address,
        prefixLength: spec.prefixLength,
        scope: spec.scope,
        flags: spec.flags,
        broadcast: spec.broadcast,
        label: spec.label,
      }));
      expect(a.peer).toBe(spec.peer === spec.address ? undefined : spec.peer);
    });
  });

  it('decodeLink reads header flags, name, MTU, kind, master, operstate and stats of any length', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const stats = Object.fromEntries(LINK_STATS64_FIELDS.slice(0, rng.int(23, 25)).map((f) => [f, rng.u64()])) as LinkStats64;
      const name = rng.string(1, 15);
      const flags = rng.u32();
      const attrs = new AttributeEncoder()
        .string(IFLA_IFNAME, name)
        .u32(IFLA_MTU, rng.u32())
        .u8(IFLA_OPERSTATE, rng.int(0, 6))
        .u32(IFLA_MASTER, rng.int(1, 100))
        .nested(IFLA_LINKINFO, (li) => li.string(IFLA_INFO_KIND, 'veth'), { nestedFlag: rng.bool() })
        .bytes(IFLA_STATS64, encodeLinkStats64(stats))
        .bytes(0x3ff0, rng.bytes(rng.int(0, 9)));
      const data = Buffer.concat([encodeIfinfomsg({ index: rng.int(1, 1 << 30), flags, type: 1 }), attrs.finish()]);
      const link = route.decodeLink(msg(RTM_NEWLINK, data));
      const mtu = new AttributeDecoder(data.subarray(SIZEOF_IFINFOMSG)).u32(IFLA_MTU);
      expect(link).toMatchObject({ name, mtu, kind: 'veth', flags, up: (flags & IFF_UP) !== 0, index: decodeIfinfomsg(data).index, stats });
      expect(link.unknown.map((u) => u.type)).toEqual([0x3ff0]);
    });
  });
});

describe('family request builders', () => {
  it('getLink by name asks with IFLA_IFNAME; by index with ifi_index', async () => {
    const nl = new RecordingRequester();
    const reply = Buffer.concat([encodeIfinfomsg({ index: 7 }), new AttributeEncoder().string(IFLA_IFNAME, 'wg0').finish()]);
    nl.ackMessages = [msg(RTM_NEWLINK, reply)];
    await expect(route.getLink(nl, 'wg0')).resolves.toMatchObject({ index: 7, name: 'wg0' });
    expect(new AttributeDecoder(Buffer.from(nl.last.data!).subarray(SIZEOF_IFINFOMSG)).string(IFLA_IFNAME)).toBe('wg0');
    await route.getLink(nl, 7);
    expect(decodeIfinfomsg(Buffer.from(nl.last.data!)).index).toBe(7);
  });

  it('setLinkUp/Down set only IFF_UP in ifi_change', async () => {
    const nl = new RecordingRequester();
    await route.setLinkUp(nl, 'eth0');
    expect(decodeIfinfomsg(Buffer.from(nl.last.data!))).toMatchObject({ flags: IFF_UP, change: IFF_UP });
    await route.setLinkDown(nl, 'eth0');
    expect(decodeIfinfomsg(Buffer.from(nl.last.data!))).toMatchObject({ flags: 0, change: IFF_UP });
  });

  it('rejects invalid interface names before any round trip', async () => {
    const nl = new RecordingRequester();
    await expect(route.createIfb(nl, 'this-name-is-too-long')).rejects.toThrow(TypeError);
    await expect(route.deleteLink(nl, 'a b')).rejects.toThrow(TypeError);
    expect(nl.requests).toHaveLength(0);
  });

  it('listRoutes filters by table with RTA_TABLE (any id) and by oif', async () => {
    const nl = new RecordingRequester();
    await route.listRoutes(nl, { table: 1000, oif: 3, family: AF_INET });
    const d = new AttributeDecoder(Buffer.from(nl.last.data!).subarray(12));
    expect([d.u32(15), d.u32(4)]).toEqual([1000, 3]);
  });

  it('addRoutes hands the batch lazily to the connection', async () => {
    const nl = new RecordingRequester();
    const res = await route.addRoutes(nl, [{ dst: '10.0.0.0/24', oif: 1 }, { dst: '10.0.1.0/24', oif: 1 }]);
    expect(res).toHaveLength(2);
    expect(nl.requests.map((r) => r.kind)).toEqual(['batch', 'batch']);
  });

  it('listRules without a family keeps only IPv4 and IPv6 rules', async () => {
    const nl = new RecordingRequester();
    nl.dumpReplies = [AF_INET, 128, AF_INET6, 129].map((family) => msg(RTM_NEWRULE, route.encodeRule({ family: family as 2, table: 254 })));
    expect((await route.listRules(nl)).map((r) => r.family)).toEqual([AF_INET, AF_INET6]);
  });

  it('parseIp/formatIp are consistent for hardware-independent address attributes', () => {
    expect(formatIp(parseIp('fd00::1'))).toBe('fd00::1');
  });
});
