/**
 * describeError: one translation from a desktop or agent error to what the UI shows — a title
 * in an admin's words (by the stable `appCode`), the host's own message, per-field messages
 * for forms (from the agent's structured `data.issues`, else recovered from its message text), and the raw detail for
 * the expandable "details" part. Every view and store reports errors through this.
 */

export interface UiError {
  /** Stable code (desktop or agent appCode); INTERNAL when unknown. */
  code: string;
  /** One line for the admin: what went wrong, not how. */
  title: string;
  /** The host's (or desktop's) own message, cleaned of field prefixes that `fields` carries. */
  message: string;
  /** Field path (e.g. `subnet4`, `siteNetworks.0`) → message, for marking form fields. */
  fields: Record<string, string>;
  /** Everything known, for "Show details": code, tRPC code, procedure path, raw message. */
  detail: string;
  hostKey?: UiHostKey | undefined;
}

/** A host key as the desktop reports it; `knownKeys` are the keys on file when it CHANGED. */
export interface UiHostKey {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
  hostKeyAlias?: string | undefined;
  knownKeys?: Array<{ keyType: string; fingerprint: string; source: string }> | undefined;
}

const TITLES: Record<string, string> = {
  HOST_KEY_UNKNOWN: 'The host is not known yet — check its key before trusting it',
  HOST_KEY_CHANGED: "The host's SSH key has changed since it was trusted; the connection was refused",
  HOST_KEY_REVOKED: "The host's SSH key is marked revoked",
  AUTH_FAILED: 'The host refused the login',
  PASSPHRASE_REQUIRED: 'The private key needs its passphrase',
  PASSPHRASE_WRONG: "The key's passphrase is wrong",
  KEY_UNREADABLE: 'The private key file cannot be read',
  CONNECT_FAILED: 'The host cannot be reached',
  TIMEOUT: 'The host did not answer in time',
  CHANNEL_FAILED: 'The host refused to start the agent',
  SUDO_PASSWORD_REQUIRED: 'sudo on the host needs a password',
  SUDO_PASSWORD_WRONG: 'The sudo password was not accepted',
  SUDO_NOT_ALLOWED: 'This user may not run the agent with sudo',
  SUDO_MISSING: 'sudo is not installed on the host',
  UNSUPPORTED_PLATFORM: 'The agent does not run on this kind of host',
  NO_DISK_SPACE: 'The host has no disk space for the agent',
  CORRUPT_UPLOAD: 'The agent upload arrived damaged; try again',
  INSTALL_FAILED: 'The agent could not be installed on the host',
  NO_BUNDLE: 'This build of the app has no agent bundle',
  AGENT_CLOSED: 'The connection to the agent ended',
  AGENT_NO_HELLO: 'The agent did not start on the host',
  AGENT_PROTOCOL: 'The agent sent something the app does not understand',
  AGENT_PROTOCOL_MISMATCH: 'The agent on the host is a different version',
  HOST_NOT_CONNECTED: 'The host is not connected',
  PROFILE_NOT_FOUND: 'That host profile no longer exists',
  PROFILE_INVALID: 'The host profile is incomplete',
  PROFILES_UNREADABLE: 'The saved host profiles cannot be read',
  INVALID_INPUT: 'The host rejected the input',
  NOT_FOUND: 'Not found on the host',
  CONFLICT: "That conflicts with what is already on the host",
  FORBIDDEN: 'Not allowed on the host',
  UNSUPPORTED: 'The host does not support this',
  BUSY: 'The host is busy; try again',
  TOO_LARGE: 'That is too large for the host to accept',
  INTERNAL: 'Something failed on the host',
};

interface ErrorLike {
  message?: unknown;
  data?: { appCode?: string; code?: string; path?: string; hostKey?: UiError['hostKey']; issues?: Array<{ path?: string; field?: string; message: string; severity?: 'error' | 'warning' }> } | null;
}

/** zod's input errors arrive as the JSON text of their issues. */
function zodIssues(message: string): Array<{ path: Array<string | number>; message: string }> | null {
  if (!message.startsWith('[')) return null;
  try {
    const parsed = JSON.parse(message) as unknown;
    return Array.isArray(parsed) && parsed.every((i) => typeof i === 'object' && i !== null && 'message' in i) ? (parsed as Array<{ path: Array<string | number>; message: string }>) : null;
  } catch {
    return null;
  }
}

/** The agent's ValidationError text is "field: message; field: message". */
const ISSUE = /^([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+|\[\d+\])*): (.+)$/;

/** `dns[0]` (the agent's issue fields) and `dns.0` (zod paths) name the same field. */
const normalizeField = (f: string) => f.replace(/\[(\d+)\]/g, '.$1');

/** Messages of the agent's host checks (port holders) and the field they concern. */
const MESSAGE_FIELDS: Array<[RegExp, string]> = [[/^UDP port \d+ is already in use/, 'listenPort']];

export function describeError(err: unknown): UiError {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ErrorLike;
  const raw = typeof e.message === 'string' ? e.message : String(err);
  const code = e.data?.appCode ?? 'INTERNAL';
  const fields: Record<string, string> = {};
  let message = raw;
  const zod = zodIssues(raw);
  const textParts = !zod && (code === 'INVALID_INPUT' || code === 'CONFLICT') ? raw.split('; ').map((p) => ISSUE.exec(p)) : null;
  const textIssues = textParts?.every((m) => m !== null) ? (textParts as RegExpExecArray[]) : null;
  if (zod) message = zod.map((i) => ((i.path ?? []).length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
  else if (textIssues) message = textIssues.map((m) => m[2]!).join('; ');
  // Fields: the agent's structured issues when it sent them; else recovered from the text.
  const structured = (e.data?.issues ?? []).filter((i) => typeof i?.message === 'string' && typeof (i.path ?? i.field) === 'string');
  if (structured.length) {
    for (const i of structured) {
      const f = normalizeField((i.path ?? i.field)!) || 'input';
      if (i.severity !== 'warning' || !(f in fields)) fields[f] = i.message;
    }
  } else if (zod) {
    for (const i of zod) fields[(i.path ?? []).join('.') || 'input'] = i.message;
  } else if (textIssues) {
    for (const m of textIssues) fields[normalizeField(m[1]!)] = m[2]!;
  }
  // Host checks that name no field in the data but clearly belong to one.
  if (Object.keys(fields).length === 0) for (const [re, f] of MESSAGE_FIELDS) if (re.test(raw)) fields[f] = raw;
  const detail = [`code: ${code}${e.data?.code ? ` (${e.data.code})` : ''}`, e.data?.path ? `procedure: ${e.data.path}` : '', `message: ${raw}`].filter(Boolean).join('\n');
  return { code, title: TITLES[code] ?? TITLES.INTERNAL!, message, fields, detail, hostKey: e.data?.hostKey };
}

/** The message for one form field, also matching nested paths (`siteNetworks.0` → `siteNetworks`). */
export function fieldError(error: UiError | null | undefined, field: string): string | undefined {
  if (!error) return undefined;
  if (error.fields[field]) return error.fields[field];
  const nested = Object.keys(error.fields).find((k) => k.startsWith(`${field}.`));
  return nested ? error.fields[nested] : undefined;
}
