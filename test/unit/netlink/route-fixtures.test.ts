/**
 * Golden-byte tests over real captures from this kernel (test/fixtures/netlink/*.nlfix): every
 * datagram re-encodes to the same bytes; kernel replies decode to the expected typed objects;
 * the agent's request encoders produce exactly the bytes iproute2 sent for the same command.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as route from '../../../agent/src/netlink/families/route/index.js';
import { type Attribute, AttributeDecoder } from '../../../agent/src/netlink/wire/attribute.js';
import { AttributeEncoder } from '../../../agent/src/netlink/wire/encoder.js';
import { decodeRtmsg } from '../../../agent/src/netlink/wire/family_headers.js';
import { decodeMessages, encodeMessages, type NetlinkMessage } from '../../../agent/src/netlink/wire/message.js';
import { decodeDone, decodeNlmsgerr, encodeDone, encodeNlmsgerr } from '../../../agent/src/netlink/wire/nlmsgerr.js';
import { IFA_F_NODAD, IFA_F_PERMANENT } from '../../../agent/src/netlink/wire/uapi/if_addr.js';
import {
  IFLA_AF_SPEC,
  IFLA_DEVLINK_PORT,
  IFLA_DPLL_PIN,
  IFLA_INFO_DATA,
  IFLA_LINKINFO,
  IFLA_MAP,
  IFLA_MAX_PACING_OFFLOAD_HORIZON,
  IFLA_STATS,
  IFLA_XDP,
} from '../../../agent/src/netlink/wire/uapi/if_link.js';
import { NLMSG_DONE, NLMSG_ERROR } from '../../../agent/src/netlink/wire/uapi/netlink.js';
import { RT_SCOPE_HOST, RT_TABLE_COMPAT, RTA_CACHEINFO, RTPROT_BOOT, RTM_GETLINK, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE, RTM_NEWRULE } from '../../../agent/src/netlink/wire/uapi/rtnetlink.js';
import { AF_INET, AF_INET6 } from '../../../agent/src/netlink/wire/uapi/socket.js';
import { RecordingRequester } from './fake.js';
import { FIXTURE_DIR, loadFixture } from './fixture.js';

/** Size of the fixed family header per rtnetlink message type (NEW/DEL/GET of each object). */
const FAMILY_HEADER: Record<number, number> = { 16: 16, 17: 16, 18: 16, 20: 8, 21: 8, 22: 8, 24: 12, 25: 12, 26: 12, 32: 12, 33: 12, 34: 12 };
/** Link attributes that are nests (iproute2 and the kernel do not flag them NLA_F_NESTED). */
const LINK_NESTS = new Set([IFLA_LINKINFO, IFLA_AF_SPEC]);

type IsNest = (a: Attribute, parents: readonly number[]) => boolean;

function reencodeAttributes(attrs: Iterable<Attribute>, isNest: IsNest, parents: readonly number[] = []): Buffer {
  const e = new AttributeEncoder();
  for (const a of attrs) {
    if (isNest(a, parents)) e.bytes(a.type | a.flags, reencodeAttributes(a.nested(), isNest, [...parents, a.type]));
    else e.raw(a.raw());
  }
  return e.finish();
}

/** linkNests: IFLA_LINKINFO{IFLA_INFO_DATA{...}} and IFLA_AF_SPEC{<family>{...}} are nests. */
const linkNests: IsNest = (a, parents) => {
  if (parents.length === 0) return LINK_NESTS.has(a.type);
  if (parents.length === 1 && parents[0] === IFLA_AF_SPEC) return true;
  return parents.length === 1 && parents[0] === IFLA_LINKINFO && a.type === IFLA_INFO_DATA;
};

/** reencode rebuilds a message's payload from its decoded parts. */
function reencode(m: NetlinkMessage): Buffer {
  if (m.header.type === NLMSG_ERROR) return encodeNlmsgerr(decodeNlmsgerr(m)).data;
  if (m.header.type === NLMSG_DONE) return encodeDone(decodeDone(m)).data;
  const hdr = FAMILY_HEADER[m.header.type];
  if (hdr === undefined) return m.data;
  const isNest: IsNest = m.header.type === RTM_NEWLINK || m.header.type === RTM_GETLINK ? linkNests : () => false;
  return Buffer.concat([m.data.subarray(0, hdr), reencodeAttributes(new AttributeDecoder(m.data.subarray(hdr)), isNest)]);
}

function messages(name: string, dir: 'sent' | 'received'): NetlinkMessage[] {
  return loadFixture(name)[dir].flatMap((d) => decodeMessages(d));
}

const fixtureNames = readdirSync(FIXTURE_DIR)
  .filter((f) => f.endsWith('.nlfix'))
  .map((f) => f.slice(0, -'.nlfix'.length));

describe('fixtures round-trip', () => {
  it('finds the captured fixtures, each with its command and kernel header', () => {
    expect(fixtureNames.length).toBeGreaterThanOrEqual(20);
    for (const name of fixtureNames) expect(loadFixture(name).meta.kernel).toMatch(/^Linux 6\.18/);
  });

  it.each(fixtureNames)('%s: every datagram decodes and re-encodes to the same bytes', (name) => {
    for (const d of loadFixture(name).datagrams) {
      const msgs = decodeMessages(d.bytes);
      const again = encodeMessages(msgs.map((m) => ({ ...m.header, data: reencode(m) })));
      // iproute2 sends its whole request buffer: anything after the last message is zero padding.
      expect(again.toString('hex')).toBe(d.bytes.subarray(0, again.length).toString('hex'));
      expect(d.bytes.subarray(again.length).every((b) => b === 0)).toBe(true);
    }
  });
});

describe('kernel replies decode to typed objects', () => {
  it('link dump: names, kinds, veth peering, MTU bounds, operstate and 64-bit stats', () => {
    const links = messages('link-dump', 'received').filter((m) => m.header.type === RTM_NEWLINK).map(route.decodeLink);
    const byName = Object.fromEntries(links.map((l) => [l.name, l]));
    expect(Object.keys(byName)).toEqual(['lo', 'veth1', 'veth0']);
    expect(byName.lo).toMatchObject({ index: 1, hardwareType: 772, mtu: 65536, up: false, operState: 'down' });
    expect(byName.veth0).toMatchObject({ kind: 'veth', mtu: 1500, minMtu: 68, maxMtu: 65535, up: true, lowerUp: true, operState: 'up', qdisc: 'noqueue' });
    expect(byName.veth0?.link).toBe(byName.veth1?.index);
    expect(byName.veth0?.address).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(Object.keys(byName.veth0?.stats ?? {})).toHaveLength(25);
    // the two ends see each other's traffic mirrored
    expect(byName.veth0?.stats?.txBytes).toBe(byName.veth1?.stats?.rxBytes);
    expect(byName.veth0?.stats?.rxPackets).toBe(byName.veth1?.stats?.txPackets);
  });

  it('link dump: the scalar attributes `ip -d link` prints are typed; the rest stay in unknown, as views', () => {
    const [datagram] = loadFixture('link-dump').received.filter((d) => decodeMessages(d).some((m) => m.header.type === RTM_NEWLINK));
    const veth0 = decodeMessages(datagram!).filter((m) => m.header.type === RTM_NEWLINK).map(route.decodeLink).find((l) => l.name === 'veth0');
    expect(veth0).toMatchObject({
      linkMode: 0,
      promiscuity: 0,
      allmulti: 0,
      numTxQueues: 2,
      numRxQueues: 2,
      gsoMaxSize: 65536,
      gsoMaxSegs: 65535,
      groMaxSize: 65536,
      gsoIpv4MaxSize: 65536,
      groIpv4MaxSize: 65536,
      tsoMaxSize: 524280,
      tsoMaxSegs: 65535,
      carrier: true,
      carrierChanges: 2,
      carrierUpCount: 1,
      carrierDownCount: 1,
      protoDown: false,
      headroom: 0,
      tailroom: 0,
      netnsImmutable: false,
    });
    expect(veth0?.unknown.map((u) => u.type)).toEqual([
      IFLA_MAX_PACING_OFFLOAD_HORIZON,
      IFLA_STATS,
      IFLA_XDP,
      IFLA_AF_SPEC,
      IFLA_MAP,
      IFLA_DEVLINK_PORT,
      IFLA_DPLL_PIN,
    ]);
    const spec = veth0!.unknown.find((u) => u.type === IFLA_AF_SPEC)!.data;
    expect(spec.buffer).toBe(datagram!.buffer); // a view into the datagram, not a copy
  });

  it('route dump: routes without unknown attributes share one frozen empty list', () => {
    const [v4] = messages('route-dump-table-1000', 'received').filter((m) => m.header.type === RTM_NEWROUTE).map(route.decodeRoute);
    const v6 = messages('route-dump-ipv6', 'received').filter((m) => m.header.type === RTM_NEWROUTE).map(route.decodeRoute);
    expect(v4?.unknown).toEqual([]);
    expect(Object.isFrozen(v4?.unknown)).toBe(true);
    // IPv6 routes carry RTA_CACHEINFO (not modelled): each gets its own list.
    expect(v6.map((r) => r.unknown.map((u) => u.type))).toEqual(Array(4).fill([RTA_CACHEINFO]));
    expect(new Set(v6.map((r) => r.unknown)).size).toBe(4);
  });

  it('address dump: IPv4 with label, IPv6 with IFA_F_NODAD, link-local scope', () => {
    const addrs = messages('addr-dump', 'received').filter((m) => m.header.type === RTM_NEWADDR).map(route.decodeAddress);
    const v4 = addrs.find((a) => a.family === AF_INET);
    expect(v4).toMatchObject({ address: '10.0.0.1', prefixLength: 24, label: 'veth0', scope: 0 });
    expect(v4!.flags & IFA_F_PERMANENT).toBe(IFA_F_PERMANENT);
    const v6 = addrs.find((a) => a.address === 'fd00::1');
    expect(v6).toMatchObject({ family: AF_INET6, prefixLength: 64 });
    expect(v6!.flags & IFA_F_NODAD).toBe(IFA_F_NODAD);
    expect(addrs.filter((a) => a.address.startsWith('fe80::')).every((a) => a.scope === 253)).toBe(true);
  });

  it('route dump of table 1000: RTA_TABLE wins over rtm_table = RT_TABLE_COMPAT', () => {
    const [msg] = messages('route-dump-table-1000', 'received').filter((m) => m.header.type === RTM_NEWROUTE);
    expect(decodeRtmsg(msg!.data).table).toBe(RT_TABLE_COMPAT);
    expect(route.decodeRoute(msg!)).toMatchObject({
      family: AF_INET,
      dst: '10.1.0.0',
      dstLength: 24,
      gateway: '10.0.0.2',
      prefsrc: '10.0.0.1',
      metric: 5,
      table: 1000,
      protocol: RTPROT_BOOT,
      type: 'unicast',
    });
  });

  it('IPv6 route dump: gateway route and kernel prefix routes', () => {
    const routes = messages('route-dump-ipv6', 'received').filter((m) => m.header.type === RTM_NEWROUTE).map(route.decodeRoute);
    expect(routes.map((r) => `${r.dst}/${r.dstLength} ${r.gateway ?? '-'} ${r.metric}`)).toEqual([
      'fd00::/64 - 256',
      'fd01::/64 fd00::2 1024',
      'fe80::/64 - 256',
      'fe80::/64 - 256',
    ]);
    expect(routes.every((r) => r.table === 254 && r.family === AF_INET6)).toBe(true);
  });

  it('rule dump: default rules, fwmark/mask lookup, inverted blackhole with iif', () => {
    const rules = messages('rule-dump', 'received').filter((m) => m.header.type === RTM_NEWRULE).map(route.decodeRule);
    expect(rules.map((r) => [r.priority, r.action, r.table])).toEqual([
      [0, 'lookup', 255],
      [1000, 'lookup', 1000],
      [1001, 'blackhole', 0],
      [32766, 'lookup', 254],
      [32767, 'lookup', 253],
    ]);
    expect(rules[1]).toMatchObject({ fwmark: 0x42, fwmask: 0xff });
    expect(rules[2]).toMatchObject({ invert: true, src: '10.0.0.0', srcLength: 8, iifName: 'veth0' });
  });

  it('loopback addresses in the fixture namespace are host scoped', () => {
    expect(RT_SCOPE_HOST).toBe(254);
  });
});

describe('agent requests equal iproute2 requests byte for byte', () => {
  const sentPayload = (name: string, type: number): Buffer => {
    const m = messages(name, 'sent').find((x) => x.header.type === type && x.header.flags & 0x400);
    if (!m) throw new Error(`${name}: no request of type ${type}`);
    return m.data;
  };

  it.each([
    ['route-add-table-1000', () => route.encodeRoute({ dst: '10.1.0.0/24', gateway: '10.0.0.2', prefsrc: '10.0.0.1', metric: 5, table: 1000, oif: 3 })],
    ['route-add-blackhole', () => route.encodeRoute({ dst: '10.2.0.0/16', type: 'blackhole', table: 100 })],
    ['route-add-ipv6', () => route.encodeRoute({ dst: 'fd01::/64', gateway: 'fd00::2', metric: 1024, oif: 3 })],
  ])('%s', (name, encode) => {
    expect(encode().toString('hex')).toBe(sentPayload(name, RTM_NEWROUTE).toString('hex'));
  });

  it.each([
    ['rule-add-fwmark', () => route.encodeRule({ fwmark: 0x42, fwmask: 0xff, priority: 1000, table: 1000 })],
    ['rule-add-not-blackhole', () => route.encodeRule({ invert: true, src: '10.0.0.0/8', iifName: 'veth0', priority: 1001, action: 'blackhole' })],
    ['rule-add-ipv6', () => route.encodeRule({ src: 'fd00::/64', priority: 1002, table: 100 })],
  ])('%s', (name, encode) => {
    expect(encode().toString('hex')).toBe(sentPayload(name, RTM_NEWRULE).toString('hex'));
  });

  it.each([
    ['addr-add-ipv4', () => route.encodeAddress({ index: 3, address: '10.0.0.1', prefixLength: 24 })],
    ['addr-add-ipv6', () => route.encodeAddress({ index: 3, address: 'fd00::1', prefixLength: 64, flags: IFA_F_NODAD })],
  ])('%s', (name, encode) => {
    expect(encode().toString('hex')).toBe(sentPayload(name, RTM_NEWADDR).toString('hex'));
  });

  it('link-add-veth: createVeth sends the same RTM_NEWLINK', async () => {
    const nl = new RecordingRequester();
    await route.createVeth(nl, 'veth0', 'veth1');
    const ip = messages('link-add-veth', 'sent').find((m) => m.header.type === RTM_NEWLINK && m.header.flags & 0x400)!;
    expect(nl.last.flags).toBe(ip.header.flags & ~0x5); // conn adds NLM_F_REQUEST|NLM_F_ACK
    expect(Buffer.from(nl.last.data ?? []).toString('hex')).toBe(ip.data.toString('hex'));
  });

  it('link-set-mtu-too-small: setLinkMtu by index sends the same RTM_NEWLINK', async () => {
    const nl = new RecordingRequester();
    await route.setLinkMtu(nl, 3, 50);
    const ip = messages('link-set-mtu-too-small', 'sent').filter((m) => m.header.type === RTM_NEWLINK).at(-1)!;
    expect(Buffer.from(nl.last.data ?? []).toString('hex')).toBe(ip.data.toString('hex'));
  });
});
