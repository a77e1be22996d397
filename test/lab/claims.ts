/**
 * Claims keep two labs on one machine from colliding: a lab takes its address block and its
 * name before `up` creates anything, and gives both back at `down`. A second lab asking for a
 * block or name that a live lab holds is refused with a message naming that lab.
 *
 * Design decisions:
 * - A claim is a small JSON file created with O_EXCL (`wx`) in one machine-wide directory, so
 *   two `up`s racing for the same block cannot both win. The files live under /run (tmpfs), as
 *   the namespaces do: a reboot clears both together.
 * - A claim whose lab is gone (no namespace of it is left: a crashed `up`, a manual cleanup) is
 *   stale and taken over, so a lost `down` never blocks the machine.
 * - Two different names on one block collide (the root link of each would hold 198.<block>.0.1);
 *   one name on two blocks collides too (same namespace names, different addresses).
 * - Claims guard labs made by this code. A lab from before them, or made by hand, is found by
 *   its root-namespace address instead (`addressHolder`).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LAB_ROOT } from './topology.js';

/** The machine-wide claims directory (beside the default lab dirs, whatever a lab's own dir). */
export const CLAIMS_DIR = `${LAB_ROOT}/.claims`;

export interface Claim {
  lab: string;
  block: number;
  pid: number;
  since: string;
}

export interface ClaimOptions {
  dir?: string;
  /** Whether a lab of that name still exists (any of its namespaces); stale claims are taken over. */
  isAlive: (lab: string) => Promise<boolean>;
  now?: () => Date;
}

/** LabConflictError: another live lab holds the block or the name; nothing was created. */
export class LabConflictError extends Error {
  override readonly name = 'LabConflictError';
  constructor(
    message: string,
    readonly holder: Claim,
  ) {
    super(message);
  }
}

const fileOf = (dir: string, key: string): string => path.join(dir, `${key}.json`);

async function read(file: string): Promise<Claim | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Claim;
  } catch {
    return null;
  }
}

function describe(c: Claim): string {
  return `lab '${c.lab}' (198.${c.block}.0.0/16, taken by pid ${c.pid} at ${c.since})`;
}

/**
 * take claims `key` for `mine`: created if free, kept if it is already this lab's, taken over
 * if its lab is gone; otherwise a LabConflictError from `conflict(holder)`.
 */
async function take(dir: string, key: string, mine: Claim, opts: ClaimOptions, same: (c: Claim) => boolean, conflict: (c: Claim) => string): Promise<void> {
  const file = fileOf(dir, key);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, JSON.stringify(mine) + '\n', { flag: 'wx', mode: 0o644 });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await read(file);
    if (holder && same(holder)) return;
    if (holder && (await opts.isAlive(holder.lab))) throw new LabConflictError(conflict(holder), holder);
    // Stale (or unreadable): remove it and race for it again.
    await rm(file, { force: true });
  }
  throw new Error(`could not claim ${key} for lab '${mine.lab}': it keeps changing hands`);
}

/**
 * claimLab takes the lab's block and name before `up` builds anything. Idempotent for the same
 * lab (a second `up`, or tests sharing one lab).
 */
export async function claimLab(lab: string, block: number, opts: ClaimOptions): Promise<void> {
  const dir = opts.dir ?? CLAIMS_DIR;
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const mine: Claim = { lab, block, pid: process.pid, since: (opts.now?.() ?? new Date()).toISOString() };
  await take(dir, `name-${lab}`, mine, opts, (c) => c.block === block, (c) =>
    `lab '${lab}' is already up on 198.${c.block}.0.0/16 (block ${c.block}); bring it down first (npm run lab -- down --name ${lab}) or use another name`);
  try {
    await take(dir, `block-${block}`, mine, opts, (c) => c.lab === lab, (c) =>
      `address block 198.${block}.0.0/16 is in use by ${describe(c)}; bring it down first (npm run lab -- down --name ${c.lab}) or use the other block (--block ${block === 18 ? 19 : 18})`);
  } catch (err) {
    await releaseKey(dir, `name-${lab}`, lab);
    throw err;
  }
}

async function releaseKey(dir: string, key: string, lab: string): Promise<void> {
  const holder = await read(fileOf(dir, key));
  if (holder?.lab === lab) await rm(fileOf(dir, key), { force: true });
}

/**
 * releaseLab gives back what this lab holds: its name and the block its name claim records
 * (`down` may be run with other options than `up` was); claims of other labs stay.
 */
export async function releaseLab(lab: string, dir = CLAIMS_DIR): Promise<void> {
  const named = await read(fileOf(dir, `name-${lab}`));
  if (named?.lab === lab) await releaseKey(dir, `block-${named.block}`, lab);
  await releaseKey(dir, `name-${lab}`, lab);
}

/**
 * addressHolder finds a root-namespace interface other than `ownIf` holding an address in
 * 198.<block>.0.0/16, from `ip -j addr show` output: the sign of a lab this code did not claim.
 */
export function addressHolder(ipAddrJson: string, block: number, ownIf: string): { ifname: string; address: string } | null {
  const links = JSON.parse(ipAddrJson) as Array<{ ifname: string; addr_info?: Array<{ family: string; local: string; prefixlen: number }> }>;
  for (const l of links) {
    if (l.ifname === ownIf) continue;
    const a = l.addr_info?.find((x) => x.family === 'inet' && x.local.startsWith(`198.${block}.`));
    if (a) return { ifname: l.ifname, address: `${a.local}/${a.prefixlen}` };
  }
  return null;
}
