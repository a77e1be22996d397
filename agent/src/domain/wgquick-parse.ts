/**
 * Strict parser of wg-quick(8) configuration files, for importing existing setups.
 *
 * It reads what wg-quick reads, the way wg-quick reads it: section headers and keys are
 * case-insensitive (wg-quick runs with `nocasematch`), everything after `#` is a comment, a value
 * is everything after the first `=` (base64 padding survives), and Address, DNS and AllowedIPs
 * may be comma lists and may repeat. Where wg-quick would pass a mistake on to `wg setconf` or
 * `ip`, this parser refuses it with the line number: "line 7: AllowedIPs: '10.0.0.0/33' is not a
 * valid CIDR (prefix length must be 0..32)".
 *
 * Design decisions:
 * - Every problem is collected (one WgQuickParseError with all of them), so an import screen
 *   can show the whole list at once.
 * - Hooks and settings we do not manage (PreUp/PostUp/PreDown/PostDown, SaveConfig, Table,
 *   FwMark) are not errors: they are skipped and reported as warnings, because importing means
 *   the agent takes over what they did.
 * - AllowedIPs with host bits set are masked with a warning, as wg(8) masks them silently.
 */
import { formatCidr, formatInterfaceAddress, isIp, normalizeIp, parseCidrLoose, parseInterfaceAddress } from './cidr.js';
import { formatHostPort, isHostName, parseHostPort } from './endpoint.js';
import { keyError } from './validate.js';
import type { WgQuickConfig, WgQuickInterface, WgQuickPeer } from './wgquick.js';

export interface LineIssue {
  line: number;
  message: string;
}

export class WgQuickParseError extends Error {
  override readonly name = 'WgQuickParseError';
  constructor(readonly issues: LineIssue[]) {
    super(issues.map((i) => `line ${i.line}: ${i.message}`).join('\n'));
  }
}

export interface WgQuickParseResult {
  config: WgQuickConfig;
  warnings: LineIssue[];
}

const IGNORED_KEYS = ['PreUp', 'PostUp', 'PreDown', 'PostDown', 'SaveConfig', 'Table', 'FwMark'];
const INTERFACE_KEYS = ['PrivateKey', 'ListenPort', 'Address', 'DNS', 'MTU', ...IGNORED_KEYS];
const PEER_KEYS = ['PublicKey', 'PresharedKey', 'AllowedIPs', 'Endpoint', 'PersistentKeepalive'];
const MULTI_KEYS = new Set(['Address', 'DNS', 'AllowedIPs', ...IGNORED_KEYS]);

interface Section {
  kind: 'Interface' | 'Peer';
  line: number;
  /** Comment directly above the header (a name hint for peers). */
  commentAbove: string | null;
  nameComment: string | null;
  /** canonical key → [line, value] entries. */
  entries: Map<string, { line: number; value: string }[]>;
}

/** parseWgQuick parses a whole file; throws WgQuickParseError listing every problem found. */
export function parseWgQuick(text: string): WgQuickParseResult {
  const issues: LineIssue[] = [];
  const warnings: LineIssue[] = [];
  const sections: Section[] = [];
  // A comment-only line is held until the next line shows whom it describes: right above a
  // section header it names that section; otherwise it belongs to the section it is in.
  let pending: string | null = null;
  const flush = (): void => {
    const current = sections[sections.length - 1];
    const name = pending === null ? null : nameHint(pending);
    if (name !== null && current?.kind === 'Peer' && current.nameComment === null) current.nameComment = name;
    pending = null;
  };
  for (const [idx, raw] of text.split(/\r?\n/).entries()) {
    const line = idx + 1;
    const hash = raw.indexOf('#');
    const stripped = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (stripped === '') {
      const comment = hash >= 0 ? raw.slice(hash).replace(/^#+\s*/, '').trim() : '';
      if (comment !== '') pending = comment;
      else flush();
      continue;
    }
    const header = /^\[(interface|peer)\]$/i.exec(stripped);
    if (header) {
      const kind = header[1]?.toLowerCase() === 'peer' ? 'Peer' : 'Interface';
      if (kind === 'Interface' && sections.some((s) => s.kind === 'Interface')) {
        issues.push({ line, message: 'a second [Interface] section (a file describes one interface)' });
      }
      const above = pending === null ? null : (nameHint(pending) ?? pending);
      pending = null;
      sections.push({ kind, line, commentAbove: above, nameComment: null, entries: new Map() });
      continue;
    }
    flush();
    const current = sections[sections.length - 1];
    if (stripped.startsWith('[')) {
      issues.push({ line, message: `unknown section ${stripped} (expected [Interface] or [Peer])` });
      continue;
    }
    const eq = stripped.indexOf('=');
    if (eq < 0) {
      issues.push({ line, message: `expected 'Key = Value', got '${stripped}'` });
      continue;
    }
    const keyText = stripped.slice(0, eq).trim();
    const value = stripped.slice(eq + 1).trim();
    if (!current) {
      issues.push({ line, message: `${keyText}: outside any [Interface] or [Peer] section` });
      continue;
    }
    const allowed = current.kind === 'Interface' ? INTERFACE_KEYS : PEER_KEYS;
    const key = allowed.find((k) => k.toLowerCase() === keyText.toLowerCase());
    if (!key) {
      issues.push({ line, message: `${keyText}: unknown key in [${current.kind}]` });
      continue;
    }
    const list = current.entries.get(key) ?? [];
    const first = list[0];
    if (first && !MULTI_KEYS.has(key)) {
      issues.push({ line, message: `${key}: set twice (first on line ${first.line})` });
      continue;
    }
    current.entries.set(key, [...list, { line, value }]);
  }
  flush();

  const iface = sections.find((s) => s.kind === 'Interface');
  if (!iface) issues.push({ line: 1, message: 'no [Interface] section' });
  const config: WgQuickConfig = {
    interface: iface ? readInterface(iface, issues, warnings) : emptyInterface(),
    peers: sections.filter((s) => s.kind === 'Peer').map((s) => readPeer(s, issues, warnings)),
  };
  const seen = new Map<string, number>();
  for (const [i, p] of config.peers.entries()) {
    const header = sections.filter((s) => s.kind === 'Peer')[i]?.line ?? 0;
    const prev = seen.get(p.publicKey);
    if (p.publicKey !== '' && prev !== undefined) {
      issues.push({ line: header, message: `PublicKey: the same peer as the [Peer] on line ${prev}` });
    }
    seen.set(p.publicKey, header);
  }
  if (issues.length > 0) throw new WgQuickParseError(issues.sort((a, b) => a.line - b.line));
  return { config, warnings: warnings.sort((a, b) => a.line - b.line) };
}

/** nameHint reads "Name = laptop" / "name: laptop" comments. */
function nameHint(comment: string): string | null {
  const m = /^name\s*[=:]\s*(.+)$/i.exec(comment);
  return m?.[1]?.trim() ?? null;
}

function emptyInterface(): WgQuickInterface {
  return { privateKey: null, addresses: [], dns: [], dnsSearch: [], mtu: null, listenPort: null };
}

/** items splits a comma list of all entries of a key, keeping each item's line. */
function items(s: Section, key: string, issues: LineIssue[]): { line: number; item: string }[] {
  return (s.entries.get(key) ?? []).flatMap(({ line, value }) => {
    if (value === '' && key === 'AllowedIPs') return [];
    const parts = value.split(',').map((v) => v.trim());
    if (parts.some((p) => p === '')) issues.push({ line, message: `${key}: empty item in '${value}'` });
    return parts.filter((p) => p !== '').map((item) => ({ line, item }));
  });
}

function single(s: Section, key: string): { line: number; value: string } | undefined {
  return s.entries.get(key)?.[0];
}

function readKey(s: Section, key: string, label: string, issues: LineIssue[]): string | null {
  const e = single(s, key);
  if (!e) return null;
  const err = keyError(e.value, label);
  if (err) issues.push({ line: e.line, message: `${key}: ${err}` });
  return e.value;
}

function readInt(s: Section, key: string, min: number, max: number, issues: LineIssue[]): number | null {
  const e = single(s, key);
  if (!e) return null;
  if (key === 'PersistentKeepalive' && e.value.toLowerCase() === 'off') return 0;
  if (!/^[0-9]+$/.test(e.value) || Number(e.value) < min || Number(e.value) > max) {
    issues.push({ line: e.line, message: `${key}: must be a whole number ${min}..${max}, got '${e.value}'` });
    return null;
  }
  return Number(e.value);
}

function readInterface(s: Section, issues: LineIssue[], warnings: LineIssue[]): WgQuickInterface {
  for (const key of IGNORED_KEYS) {
    for (const e of s.entries.get(key) ?? []) {
      warnings.push({ line: e.line, message: `${key}: ignored (wgpilot manages ${key === 'FwMark' || key === 'Table' ? 'routing' : 'the interface'} itself)` });
    }
  }
  const addresses = items(s, 'Address', issues).flatMap(({ line, item }) => {
    try {
      return [formatInterfaceAddress(parseInterfaceAddress(item))];
    } catch (err) {
      issues.push({ line, message: `Address: ${(err as Error).message}` });
      return [];
    }
  });
  const dns: string[] = [];
  const dnsSearch: string[] = [];
  for (const { line, item } of items(s, 'DNS', issues)) {
    if (isIp(item)) dns.push(normalizeIp(item));
    else if (isHostName(item)) dnsSearch.push(item);
    else issues.push({ line, message: `DNS: '${item}' is neither an IP address nor a search domain` });
  }
  const mtu = readInt(s, 'MTU', 576, 65535, issues);
  const mtuLine = single(s, 'MTU')?.line;
  if (mtu !== null && mtuLine !== undefined && (mtu < 1280 || mtu > 9000)) {
    warnings.push({ line: mtuLine, message: `MTU: ${mtu} is outside 1280..9000, which wgpilot accepts` });
  }
  return {
    privateKey: readKey(s, 'PrivateKey', 'private key', issues),
    addresses,
    dns,
    dnsSearch,
    mtu,
    listenPort: readInt(s, 'ListenPort', 1, 65535, issues),
  };
}

function readPeer(s: Section, issues: LineIssue[], warnings: LineIssue[]): WgQuickPeer {
  const publicKey = readKey(s, 'PublicKey', 'public key', issues);
  if (publicKey === null) issues.push({ line: s.line, message: '[Peer] has no PublicKey' });
  const allowedIps = items(s, 'AllowedIPs', issues).flatMap(({ line, item }) => {
    try {
      const { cidr, hostBitsSet } = parseCidrLoose(item);
      if (hostBitsSet) warnings.push({ line, message: `AllowedIPs: ${item} has host bits set; using ${formatCidr(cidr)}` });
      return [formatCidr(cidr)];
    } catch (err) {
      issues.push({ line, message: `AllowedIPs: ${(err as Error).message}` });
      return [];
    }
  });
  let endpoint: string | null = null;
  const ep = single(s, 'Endpoint');
  if (ep) {
    try {
      const { host, port } = parseHostPort(ep.value, { requirePort: true });
      endpoint = formatHostPort(host, port ?? 0);
    } catch (err) {
      issues.push({ line: ep.line, message: `Endpoint: ${(err as Error).message}` });
    }
  }
  return {
    name: s.nameComment ?? s.commentAbove,
    publicKey: publicKey ?? '',
    presharedKey: readKey(s, 'PresharedKey', 'preshared key', issues),
    allowedIps,
    endpoint,
    persistentKeepalive: readInt(s, 'PersistentKeepalive', 0, 65535, issues),
  };
}
