// domain/qr.ts (QR images of a config) and domain/snapshots.ts (compaction plan, counter deltas).
import fs from 'node:fs';
import path from 'node:path';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { qrPng, qrSvg } from '../../../agent/src/domain/qr.js';
import {
  DAY_MS,
  HOUR_MS,
  applyCompactionInMemory,
  counterDelta,
  planCompaction,
  type TransferSnapshot,
} from '../../../agent/src/domain/snapshots.js';
import { rng } from '../../support/prng.js';

const config = fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/wgquick/client-gateway.conf'), 'utf8');

describe('qr', () => {
  it('renders an SVG document whose size matches the symbol for the text', async () => {
    const svg = await qrSvg(config);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const symbol = QRCode.create(config, { errorCorrectionLevel: 'M' });
    const side = symbol.modules.size + 2 * 4;
    expect(svg).toContain(`viewBox="0 0 ${side} ${side}"`);
  });

  it('renders a PNG of (modules + margin) × scale pixels', async () => {
    const png = await qrPng(config, { scale: 5 });
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const side = (QRCode.create(config, { errorCorrectionLevel: 'M' }).modules.size + 8) * 5;
    expect(png.readUInt32BE(16)).toBe(side); // IHDR width
    expect(png.readUInt32BE(20)).toBe(side); // IHDR height
  });

  it('fits a full client configuration with error correction M', () => {
    expect(QRCode.create(config, { errorCorrectionLevel: 'M' }).version).toBeLessThanOrEqual(20);
  });
});

describe('planCompaction', () => {
  const now = new Date(Date.UTC(2026, 10, 25, 15, 42, 17));

  it('cuts off at whole buckets: raw before the hour 24 h ago, hourly before the day 30 d ago, daily 365 d', () => {
    const [raw, hourly, daily] = planCompaction(now);
    expect(raw).toEqual({ kind: 'rollup', from: 'raw', to: 'hourly', bucketMs: HOUR_MS, before: new Date(Date.UTC(2026, 10, 24, 15)) });
    expect(hourly).toEqual({ kind: 'rollup', from: 'hourly', to: 'daily', bucketMs: DAY_MS, before: new Date(Date.UTC(2026, 9, 26)) });
    expect(daily).toEqual({ kind: 'delete', resolution: 'daily', before: new Date(Date.UTC(2025, 10, 25)) });
  });

  it('refuses a policy that shrinks with age', () => {
    expect(() => planCompaction(now, { rawMs: DAY_MS, hourlyMs: HOUR_MS, dailyMs: DAY_MS })).toThrow(RangeError);
  });

  it('rolls raw samples into hours and hours into days, summing bytes', () => {
    const t = (ms: number): Date => new Date(now.getTime() - ms);
    const rows: TransferSnapshot[] = [
      { peerId: 1, resolution: 'raw', ts: t(2 * DAY_MS), rxBytes: 10, txBytes: 1 },
      { peerId: 1, resolution: 'raw', ts: new Date(t(2 * DAY_MS).getTime() + 30_000), rxBytes: 5, txBytes: 1 },
      { peerId: 1, resolution: 'raw', ts: t(HOUR_MS), rxBytes: 7, txBytes: 7 },
      { peerId: 1, resolution: 'hourly', ts: new Date(Date.UTC(2026, 8, 1, 3)), rxBytes: 100, txBytes: 0 },
      { peerId: 1, resolution: 'hourly', ts: new Date(Date.UTC(2026, 8, 1, 4)), rxBytes: 50, txBytes: 0 },
      { peerId: 1, resolution: 'daily', ts: new Date(Date.UTC(2024, 0, 1)), rxBytes: 1, txBytes: 1 },
    ];
    const out = applyCompactionInMemory(rows, planCompaction(now));
    expect(out).toEqual([
      { peerId: 1, resolution: 'raw', ts: t(HOUR_MS), rxBytes: 7, txBytes: 7 },
      { peerId: 1, resolution: 'hourly', ts: new Date(Date.UTC(2026, 10, 23, 15)), rxBytes: 15, txBytes: 2 },
      { peerId: 1, resolution: 'daily', ts: new Date(Date.UTC(2026, 8, 1)), rxBytes: 150, txBytes: 0 },
    ]);
  });

  it('property: totals are preserved, old rows are gone, and a second run changes nothing', () => {
    const r = rng(0x5a9);
    for (let i = 0; i < 50; i++) {
      const rows: TransferSnapshot[] = [];
      for (let k = 0; k < 200; k++) {
        const resolution = r.pick(['raw', 'hourly', 'daily'] as const);
        const age = resolution === 'raw' ? r.int(0, 3 * DAY_MS) : resolution === 'hourly' ? r.int(0, 60 * DAY_MS) : r.int(0, 300 * DAY_MS);
        const step = resolution === 'raw' ? 30_000 : resolution === 'hourly' ? HOUR_MS : DAY_MS;
        rows.push({ peerId: r.int(1, 3), resolution, ts: new Date(Math.floor((now.getTime() - age) / step) * step), rxBytes: r.int(0, 1e6), txBytes: r.int(0, 1e6) });
      }
      const plan = planCompaction(now);
      const once = applyCompactionInMemory(rows, plan);
      const sum = (list: TransferSnapshot[], peer: number): number => list.filter((x) => x.peerId === peer).reduce((a, x) => a + x.rxBytes + x.txBytes, 0);
      for (const peer of [1, 2, 3]) expect(sum(once, peer), `case ${i}`).toBe(sum(rows, peer));
      for (const step of plan) {
        if (step.kind === 'rollup') expect(once.some((x) => x.resolution === step.from && x.ts < step.before)).toBe(false);
      }
      expect(applyCompactionInMemory(once, plan)).toEqual(once);
    }
  });
});

describe('counterDelta', () => {
  it.each<[bigint | undefined, bigint, bigint]>([
    [undefined, 500n, 0n],
    [100n, 150n, 50n],
    [100n, 100n, 0n],
    [1000n, 40n, 40n],
    [2n ** 60n, 2n ** 60n + 5n, 5n],
  ])('%s → %s = %s', (prev, cur, want) => {
    expect(counterDelta(prev, cur)).toBe(want);
  });
});
