/**
 * cli is `npm run lab -- up|down|status [--name N] [--peers N] [--block N]`: the lab for humans
 * (try the app without a server) and for scripts (status is JSON on stdout).
 */
import { parseArgs } from 'node:util';
import { Lab, assertRoot, type LabOptions } from './lab.js';

const USAGE = `usage: npm run lab -- up|down|status [--name N] [--peers N] [--block 18|19]
  up      build the lab (idempotent) and print its status as JSON
  down    remove everything the lab made
  status  print the lab's status as JSON`;

/** intOption parses a numeric flag, rejecting "3x" and friends that parseInt would accept. */
function intOption(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value)) throw new Error(`--${flag} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { name: { type: 'string' }, peers: { type: 'string' }, block: { type: 'string' } },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [verb, ...extra] = parsed.positionals;
  if (!verb || !['up', 'down', 'status'].includes(verb) || extra.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    assertRoot();
    const options: LabOptions = {
      name: parsed.values.name,
      peers: intOption('peers', parsed.values.peers),
      block: intOption('block', parsed.values.block),
    };
    const lab = new Lab(options);
    if (verb === 'down') {
      await lab.down();
      process.stdout.write(`lab ${lab.name} is down\n`);
    } else {
      const status = verb === 'up' ? await lab.up() : await lab.status();
      process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`lab ${verb}: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
