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
  /** Our figure and the C tool's, in the unit named (ms unless said). */
  ours: number;
  cTool: number;
  unit?: string;
  /** The target, as the highest acceptable ratio (e.g. 1.0). */
  target?: number;
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
console.log(`\n${'benchmark'.padEnd(56)} ${'ours'.padStart(10)} ${'C tool'.padStart(10)} ${'ratio'.padStart(7)}  target`);
for (const r of rows) {
  const ratio = r.ours / r.cTool;
  const verdict = r.target === undefined ? '' : ratio <= r.target ? `≤ ${r.target} ok` : `≤ ${r.target} MISSED`;
  console.log(`${r.name.padEnd(56)} ${fmt(r.ours).padStart(8)}${(r.unit ?? 'ms').padStart(2)} ${fmt(r.cTool).padStart(8)}${(r.unit ?? 'ms').padStart(2)} ${ratio.toFixed(2).padStart(7)}  ${verdict}${r.note ? `  (${r.note})` : ''}`);
}
if (rows.length === 0) console.log('(no benchmarks yet)');
process.exitCode = failed ? 1 : 0;
