/**
 * Loading of the WireGuard fixtures in test/fixtures/wireguard: text captures whose header lines
 * start with '#', and annotated hex dumps ("hex bytes  # comment" per line).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../../fixtures/wireguard/', import.meta.url));

/** textFixture returns a capture without its '#' header lines, byte for byte otherwise. */
export function textFixture(name: string): string {
  const text = readFileSync(DIR + name, 'utf8');
  const lines = text.split('\n');
  let i = 0;
  while (lines[i]?.startsWith('#')) i++;
  return lines.slice(i).join('\n');
}

/** hexFixture returns the bytes of an annotated hex dump. */
export function hexFixture(name: string): Buffer {
  const hex = readFileSync(DIR + name, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  return Buffer.from(hex, 'hex');
}
