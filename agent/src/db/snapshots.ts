/**
 * SnapshotsRepo: the `transfer_snapshots` table (per-peer transfer history).
 *
 * Inserts add into an existing row of the same key (peer, resolution, ts) instead of failing,
 * which makes the monitor's writes and the compaction's rollups idempotent-by-sum and lets a
 * late sample join a bucket that was already rolled up. Compaction executes the pure plan of
 * domain/snapshots.ts: each rollup is one INSERT … SELECT … GROUP BY bucket plus one DELETE, all
 * in one transaction.
 */
import {
  DEFAULT_RETENTION,
  planCompaction,
  type RetentionPolicy,
  type SnapshotResolution,
  type TransferSnapshot,
} from '../domain/snapshots.js';
import { translateConstraint } from './errors.js';
import type { Db } from './rows.js';

interface SnapshotRow {
  peer_id: number;
  resolution: SnapshotResolution;
  ts: number;
  rx: number;
  tx: number;
}

const toSnapshot = (r: SnapshotRow): TransferSnapshot => ({
  peerId: r.peer_id,
  resolution: r.resolution,
  ts: new Date(r.ts),
  rxBytes: r.rx,
  txBytes: r.tx,
});

export interface CompactionResult {
  /** Rows consumed by rollups (raw → hourly, hourly → daily). */
  rolledUp: number;
  /** Daily rows deleted for age. */
  deleted: number;
}

function statements(db: Db) {
  return {
    upsert: db.prepare(`INSERT INTO transfer_snapshots (peer_id, resolution, ts, rx, tx) VALUES (@peer_id, @resolution, @ts, @rx, @tx)
      ON CONFLICT (peer_id, resolution, ts) DO UPDATE SET rx = rx + excluded.rx, tx = tx + excluded.tx`),
    range: db.prepare(`SELECT peer_id, resolution, ts, rx, tx FROM transfer_snapshots
      WHERE peer_id = @peer_id AND ts >= @from AND ts < @to ORDER BY ts, resolution`),
    rangeAt: db.prepare(`SELECT peer_id, resolution, ts, rx, tx FROM transfer_snapshots
      WHERE peer_id = @peer_id AND resolution = @resolution AND ts >= @from AND ts < @to ORDER BY ts`),
    totals: db.prepare(`SELECT coalesce(sum(rx), 0) AS rx, coalesce(sum(tx), 0) AS tx FROM transfer_snapshots
      WHERE peer_id = @peer_id AND ts >= @from AND ts < @to`),
    all: db.prepare(`SELECT peer_id, resolution, ts, rx, tx FROM transfer_snapshots
      ORDER BY peer_id, CASE resolution WHEN 'raw' THEN 0 WHEN 'hourly' THEN 1 ELSE 2 END, ts`),
    rollup: db.prepare(`INSERT INTO transfer_snapshots (peer_id, resolution, ts, rx, tx)
      SELECT peer_id, @to, CAST(ts / @bucket AS INTEGER) * @bucket, sum(rx), sum(tx) FROM transfer_snapshots
      WHERE resolution = @from AND ts < @before GROUP BY peer_id, CAST(ts / @bucket AS INTEGER)
      ON CONFLICT (peer_id, resolution, ts) DO UPDATE SET rx = rx + excluded.rx, tx = tx + excluded.tx`),
    deleteOlder: db.prepare('DELETE FROM transfer_snapshots WHERE resolution = @resolution AND ts < @before'),
  };
}

export class SnapshotsRepo {
  private readonly s: ReturnType<typeof statements>;

  constructor(private readonly db: Db) {
    this.s = statements(db);
  }

  /** insert stores samples (usually raw ones, every 30 s for every peer) in one transaction. */
  insert(samples: readonly TransferSnapshot[]): void {
    this.db.transaction(() => {
      for (const x of samples) {
        try {
          this.s.upsert.run({ peer_id: x.peerId, resolution: x.resolution, ts: x.ts.getTime(), rx: x.rxBytes, tx: x.txBytes });
        } catch (err) {
          throw translateConstraint(err, {
            table: 'transfer_snapshots',
            foreignKey: () => `peer ${x.peerId} does not exist`,
            check: { snapshot_bytes: () => `transfer bytes must not be negative (peer ${x.peerId})` },
          });
        }
      }
    })();
  }

  /**
   * range returns the peer's rows with from ≤ ts < to, oldest first; without `resolution` every
   * resolution is included, which is what a chart over a long period wants (old data exists
   * only as daily rows, recent data only as raw ones).
   */
  range(peerId: number, from: Date, to: Date, resolution?: SnapshotResolution): TransferSnapshot[] {
    const p = { peer_id: peerId, from: from.getTime(), to: to.getTime() };
    const rows = resolution ? this.s.rangeAt.all({ ...p, resolution }) : this.s.range.all(p);
    return (rows as SnapshotRow[]).map(toSnapshot);
  }

  /** totals sums the bytes of every resolution in [from, to). */
  totals(peerId: number, from: Date, to: Date): { rxBytes: number; txBytes: number } {
    const r = this.s.totals.get({ peer_id: peerId, from: from.getTime(), to: to.getTime() }) as { rx: number; tx: number };
    return { rxBytes: r.rx, txBytes: r.tx };
  }

  /** all returns every row by peer, resolution (raw, hourly, daily) and time (diagnostics, tests). */
  all(): TransferSnapshot[] {
    return (this.s.all.all() as SnapshotRow[]).map(toSnapshot);
  }

  /** compact runs the retention plan for `now` in one transaction. */
  compact(now: Date, policy: RetentionPolicy = DEFAULT_RETENTION): CompactionResult {
    return this.db.transaction((): CompactionResult => {
      let rolledUp = 0;
      let deleted = 0;
      for (const step of planCompaction(now, policy)) {
        if (step.kind === 'delete') {
          deleted += this.s.deleteOlder.run({ resolution: step.resolution, before: step.before.getTime() }).changes;
          continue;
        }
        const before = step.before.getTime();
        this.s.rollup.run({ from: step.from, to: step.to, bucket: step.bucketMs, before });
        rolledUp += this.s.deleteOlder.run({ resolution: step.from, before }).changes;
      }
      return { rolledUp, deleted };
    })();
  }
}
