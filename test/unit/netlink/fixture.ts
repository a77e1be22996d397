/**
 * Loader for the golden netlink fixtures in test/fixtures/netlink/*.nlfix (see capture.ts
 * there): a header of "# key: value" lines, then one block per datagram, ">" for user space to
 * kernel and "<" for kernel to user space, followed by hex bytes.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface FixtureDatagram {
  dir: 'sent' | 'received';
  bytes: Buffer;
}

export interface Fixture {
  name: string;
  meta: Record<string, string>;
  datagrams: FixtureDatagram[];
  sent: Buffer[];
  received: Buffer[];
}

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/netlink');

export function loadFixture(name: string): Fixture {
  const text = readFileSync(join(FIXTURE_DIR, `${name}.nlfix`), 'utf8');
  const meta: Record<string, string> = {};
  const datagrams: FixtureDatagram[] = [];
  let hex: string[] = [];
  let dir: FixtureDatagram['dir'] | undefined;
  const flush = (): void => {
    if (dir) datagrams.push({ dir, bytes: Buffer.from(hex.join(''), 'hex') });
    hex = [];
  };
  for (const line of text.split('\n')) {
    const m = /^# ([\w-]+): (.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) meta[m[1]] = m[2];
    else if (line === '>' || line === '<') {
      flush();
      dir = line === '>' ? 'sent' : 'received';
    } else if (/^[0-9a-f ]+$/.test(line)) hex.push(line.replace(/ /g, ''));
  }
  flush();
  if (!meta.command || !meta.kernel) throw new Error(`fixture ${name} lacks its command/kernel header`);
  return {
    name,
    meta,
    datagrams,
    sent: datagrams.filter((d) => d.dir === 'sent').map((d) => d.bytes),
    received: datagrams.filter((d) => d.dir === 'received').map((d) => d.bytes),
  };
}
