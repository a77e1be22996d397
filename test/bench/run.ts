/**
 * Runs every `*.bench.ts` in this folder (or those named on the command line) and prints one row
 * per figure: our time, the C tool's time on the same data in the same run, and the ratio
 * (ours / C tool; below 1.0 means we are faster). Each bench module exports
 * `run(): Promise<BenchResult | BenchResult[]>` and cleans up after itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BenchResult {
  name: string;
  /** Our figure and the C tool's on the same data in the same run, in `unit` (default ms). */
  ours: number;
  cTool?: number;
  unit?: string;
  /** The target as the highest acceptable ratio ours / cTool (e.g. 1.0). */
  target?: number;
  /** Or an absolute target, in `unit`, for figures no C tool has (latency p50, msgs/s). */
  limit?: number;
  /** For `limit`: true when more is better (throughput). */
  higherIsBetter?: boolean;
  note?: string;
}

const dir = import.meta.dirname;
const wanted = process.argv.slice(2);
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

const rows: BenchResult[] = [];
let failed = false;
for (const file of files) {
  try {
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { run: () => Promise<BenchResult | BenchResult[]> };
    const out = await mod.run();
    rows.push(...(Array.isArray(out) ? out : [out]));
  } catch (err) {
    failed = true;
    console.error(`${file}: ${err instanceof Error ? err.stack : String(err)}`);
  }
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(3));
const cell = (n: number | undefined, unit: string) => (n === undefined ? '—'.padStart(10) : `${fmt(n)} ${unit}`.padStart(10));
console.log(`\n${'benchmark'.padEnd(60)} ${'ours'.padStart(10)} ${'C tool'.padStart(10)} ${'ratio'.padStart(6)}  target`);
for (const r of rows) {
  const unit = r.unit ?? 'ms';
  let ratio = '';
  let verdict = '';
  if (r.cTool !== undefined) {
    const x = r.ours / r.cTool;
    ratio = x.toFixed(2);
    if (r.target !== undefined) verdict = `ratio ≤ ${r.target} ${x <= r.target ? 'ok' : 'MISSED'}`;
  } else if (r.limit !== undefined) {
    const ok = r.higherIsBetter ? r.ours >= r.limit : r.ours <= r.limit;
    verdict = `${r.higherIsBetter ? '≥' : '≤'} ${r.limit} ${unit} ${ok ? 'ok' : 'MISSED'}`;
  }
  console.log(`${r.name.padEnd(60)} ${cell(r.ours, unit)} ${cell(r.cTool, unit)} ${ratio.padStart(6)}  ${verdict}${r.note ? `  (${r.note})` : ''}`);
}
if (rows.length === 0) console.log('(no benchmarks yet)');
process.exitCode = failed ? 1 : 0;
