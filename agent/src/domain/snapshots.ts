/**
 * Transfer history: snapshot values and the compaction policy (raw samples kept 24 h, then
 * rolled into hourly sums kept 30 days, then into daily sums kept 365 days, then deleted).
 *
 * The policy is decided here, purely, as a list of steps with aligned cut-offs; SnapshotsRepo
 * executes the steps in SQL. `applyCompactionInMemory` is the reference semantics of a plan,
 * used by the tests to check the SQL against it on random data.
 *
 * Design decisions:
 * - Snapshot bytes are deltas (bytes moved in the interval ending at `ts`), so a rollup is a
 *   sum and any range query is a sum; `counterDelta` turns the kernel's cumulative counters into
 *   deltas and treats a counter that went down as a reset (interface re-created).
 * - Only whole buckets are rolled up: the cut-off is rounded down to a bucket boundary, so an
 *   hour is never half raw and half hourly, and a late raw sample for an already rolled bucket
 *   is added into it (upsert with sum) rather than lost.
 * - Buckets are UTC hours and UTC days.
 */

export const SNAPSHOT_RESOLUTIONS = ['raw', 'hourly', 'daily'] as const;
export type SnapshotResolution = (typeof SNAPSHOT_RESOLUTIONS)[number];

export interface TransferSnapshot {
  peerId: number;
  resolution: SnapshotResolution;
  /** End of the raw interval, or start of the hourly/daily bucket. */
  ts: Date;
  rxBytes: number;
  txBytes: number;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export interface RetentionPolicy {
  /** How long raw samples stay before they are rolled into hours. */
  rawMs: number;
  /** How long hourly sums stay before they are rolled into days. */
  hourlyMs: number;
  /** How long daily sums stay before they are deleted. */
  dailyMs: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { rawMs: DAY_MS, hourlyMs: 30 * DAY_MS, dailyMs: 365 * DAY_MS };

export type CompactionStep =
  | { kind: 'rollup'; from: 'raw'; to: 'hourly'; bucketMs: number; before: Date }
  | { kind: 'rollup'; from: 'hourly'; to: 'daily'; bucketMs: number; before: Date }
  | { kind: 'delete'; resolution: 'daily'; before: Date };

/** floorTo rounds an instant down to a multiple of `bucketMs` since the epoch (UTC). */
export function floorTo(ms: number, bucketMs: number): number {
  return Math.floor(ms / bucketMs) * bucketMs;
}

/**
 * planCompaction decides what to compact at `now`: rows of a resolution with ts < `before` are
 * rolled up (or deleted), where `before` is the age cut-off rounded down to a whole bucket of
 * the target resolution. Steps run in order (raw → hourly first, so fresh hourly rows can
 * roll on into days in the same run when they are old enough).
 */
export function planCompaction(now: Date, policy: RetentionPolicy = DEFAULT_RETENTION): CompactionStep[] {
  const t = now.getTime();
  if (!(policy.rawMs > 0 && policy.hourlyMs >= policy.rawMs && policy.dailyMs >= policy.hourlyMs)) {
    throw new RangeError('retention must grow from raw to hourly to daily');
  }
  return [
    { kind: 'rollup', from: 'raw', to: 'hourly', bucketMs: HOUR_MS, before: new Date(floorTo(t - policy.rawMs, HOUR_MS)) },
    { kind: 'rollup', from: 'hourly', to: 'daily', bucketMs: DAY_MS, before: new Date(floorTo(t - policy.hourlyMs, DAY_MS)) },
    { kind: 'delete', resolution: 'daily', before: new Date(floorTo(t - policy.dailyMs, DAY_MS)) },
  ];
}

/**
 * applyCompactionInMemory is the reference meaning of a plan over a list of snapshots:
 * rolled rows are summed into their bucket (adding to an existing row of that bucket), old
 * daily rows are dropped. Returns the new list, sorted by peer, resolution, ts.
 */
export function applyCompactionInMemory(rows: readonly TransferSnapshot[], plan: readonly CompactionStep[]): TransferSnapshot[] {
  const key = (s: Pick<TransferSnapshot, 'peerId' | 'resolution' | 'ts'>): string => `${s.peerId}|${s.resolution}|${s.ts.getTime()}`;
  const byKey = new Map<string, TransferSnapshot>();
  for (const r of rows) {
    const prev = byKey.get(key(r));
    byKey.set(key(r), prev ? { ...prev, rxBytes: prev.rxBytes + r.rxBytes, txBytes: prev.txBytes + r.txBytes } : { ...r });
  }
  for (const step of plan) {
    for (const [k, r] of [...byKey]) {
      if (step.kind === 'delete') {
        if (r.resolution === step.resolution && r.ts < step.before) byKey.delete(k);
        continue;
      }
      if (r.resolution !== step.from || !(r.ts < step.before)) continue;
      byKey.delete(k);
      const target: TransferSnapshot = { ...r, resolution: step.to, ts: new Date(floorTo(r.ts.getTime(), step.bucketMs)) };
      const prev = byKey.get(key(target));
      byKey.set(
        key(target),
        prev ? { ...prev, rxBytes: prev.rxBytes + r.rxBytes, txBytes: prev.txBytes + r.txBytes } : target,
      );
    }
  }
  const order = (s: TransferSnapshot): string =>
    `${String(s.peerId).padStart(12, '0')}|${SNAPSHOT_RESOLUTIONS.indexOf(s.resolution)}|${String(s.ts.getTime()).padStart(16, '0')}`;
  return [...byKey.values()].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/**
 * counterDelta is the bytes moved between two readings of a cumulative counter. A reading
 * lower than the previous one means the counter restarted (interface re-created), so the new
 * reading itself is the delta. `previous` undefined (first reading) gives 0: without a baseline
 * nothing can be attributed to the interval.
 */
export function counterDelta(previous: bigint | undefined, current: bigint): bigint {
  if (previous === undefined) return 0n;
  return current >= previous ? current - previous : current;
}
