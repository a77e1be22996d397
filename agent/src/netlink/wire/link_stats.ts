/**
 * struct rtnl_link_stats64 (IFLA_STATS64): 64-bit interface counters as bigint. The struct grew
 * over time (rx_nohandler in 4.6, rx_otherhost_dropped in 5.19; 200 bytes on 6.18), so it is
 * parsed by length: fields the kernel did not send are absent, never garbage.
 */
import { WireError } from './errors.js';
import { readU64LE } from './integers.js';

/** Field order of struct rtnl_link_stats64 in <linux/if_link.h>. */
export const LINK_STATS64_FIELDS = [
  'rxPackets',
  'txPackets',
  'rxBytes',
  'txBytes',
  'rxErrors',
  'txErrors',
  'rxDropped',
  'txDropped',
  'multicast',
  'collisions',
  'rxLengthErrors',
  'rxOverErrors',
  'rxCrcErrors',
  'rxFrameErrors',
  'rxFifoErrors',
  'rxMissedErrors',
  'txAbortedErrors',
  'txCarrierErrors',
  'txFifoErrors',
  'txHeartbeatErrors',
  'txWindowErrors',
  'rxCompressed',
  'txCompressed',
  'rxNohandler',
  'rxOtherhostDropped',
] as const;

export type LinkStats64Field = (typeof LINK_STATS64_FIELDS)[number];

/** The first 23 fields have existed since IFLA_STATS64 was added (2.6.35); newer ones are optional. */
export type LinkStats64 = Record<Exclude<LinkStats64Field, 'rxNohandler' | 'rxOtherhostDropped'>, bigint> &
  Partial<Record<'rxNohandler' | 'rxOtherhostDropped', bigint>>;

/** Minimum IFLA_STATS64 payload: 23 counters. */
const MIN_STATS64_FIELDS = 23;

export function decodeLinkStats64(buf: Buffer): LinkStats64 {
  const count = Math.min(Math.floor(buf.length / 8), LINK_STATS64_FIELDS.length);
  if (count < MIN_STATS64_FIELDS) throw new WireError(`rtnl_link_stats64 of ${buf.length} bytes`);
  // One literal with every always-present field (a single object shape, in-object slots);
  // the counters newer kernels append are added only when sent.
  const u64 = (field: number): bigint => readU64LE(buf, field * 8);
  const stats: LinkStats64 = {
    rxPackets: u64(0),
    txPackets: u64(1),
    rxBytes: u64(2),
    txBytes: u64(3),
    rxErrors: u64(4),
    txErrors: u64(5),
    rxDropped: u64(6),
    txDropped: u64(7),
    multicast: u64(8),
    collisions: u64(9),
    rxLengthErrors: u64(10),
    rxOverErrors: u64(11),
    rxCrcErrors: u64(12),
    rxFrameErrors: u64(13),
    rxFifoErrors: u64(14),
    rxMissedErrors: u64(15),
    txAbortedErrors: u64(16),
    txCarrierErrors: u64(17),
    txFifoErrors: u64(18),
    txHeartbeatErrors: u64(19),
    txWindowErrors: u64(20),
    rxCompressed: u64(21),
    txCompressed: u64(22),
  };
  if (count > 23) stats.rxNohandler = u64(23);
  if (count > 24) stats.rxOtherhostDropped = u64(24);
  return stats;
}

/** encodeLinkStats64 writes every field present, in order, stopping at the first absent one. */
export function encodeLinkStats64(stats: LinkStats64): Buffer {
  const values: bigint[] = [];
  for (const name of LINK_STATS64_FIELDS) {
    const v = stats[name];
    if (v === undefined) break;
    values.push(v);
  }
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeBigUInt64LE(v, i * 8));
  return b;
}
