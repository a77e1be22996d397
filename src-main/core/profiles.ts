/**
 * Saved host profiles in the app's data folder (`profiles.json`, mode 0600).
 *
 * A profile says how to reach a host — name, address, port, user, auth kind, key path, jump host,
 * ssh-config alias — and never holds a secret: the schema has no field for a password, key
 * passphrase or sudo password, and parsing strips any unknown field, so a caller cannot smuggle
 * one in. Secrets go to a SecretStore (secrets.ts) or are asked for each session.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const AUTH_KINDS = ['key', 'agent', 'password'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

export const profileInputSchema = z.object({
  name: z.string().trim().min(1, 'Name is required').max(100),
  /** Address or DNS name; with `alias`, the alias's HostName wins when this is empty. */
  host: z.string().trim().max(255).default(''),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().trim().max(64).default(''),
  auth: z.enum(AUTH_KINDS).default('agent'),
  keyPath: z.string().max(4096).optional(),
  /** Jump host as in ProxyJump (`[user@]host[:port]`, comma-separated), or an ssh-config alias. */
  jump: z.string().trim().max(1000).optional(),
  /** An `~/.ssh/config` Host alias whose HostName, Port, User, IdentityFile, ProxyJump apply. */
  alias: z.string().trim().max(255).optional(),
});

export type ProfileInput = z.input<typeof profileInputSchema>;
export type HostProfile = z.output<typeof profileInputSchema> & { id: string };

const fileSchema = z.object({
  version: z.literal(1),
  profiles: z.array(profileInputSchema.extend({ id: z.string().min(1) })),
});

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  constructor(
    readonly code: 'PROFILE_NOT_FOUND' | 'PROFILE_INVALID' | 'PROFILES_UNREADABLE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Reads and writes `profiles.json`; every write replaces the file atomically (temp + rename). */
export class ProfileStore {
  constructor(private readonly file: string) {}

  list(): HostProfile[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new ProfileError('PROFILES_UNREADABLE', `Cannot read ${this.file}: ${(err as Error).message}`, { cause: err });
    }
    const parsed = fileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new ProfileError('PROFILES_UNREADABLE', `${this.file} is not a valid profiles file: ${parsed.error.message}`);
    return parsed.data.profiles;
  }

  get(id: string): HostProfile {
    const found = this.list().find((p) => p.id === id);
    if (!found) throw new ProfileError('PROFILE_NOT_FOUND', `No host profile ${id}.`);
    return found;
  }

  /** Adds a profile (no `id`) or replaces one; returns it as stored. */
  save(input: ProfileInput & { id?: string | undefined }): HostProfile {
    const parsed = profileInputSchema.safeParse(input);
    if (!parsed.success) throw new ProfileError('PROFILE_INVALID', parsed.error.issues.map((i) => i.message).join('; '));
    if (!parsed.data.host && !parsed.data.alias) throw new ProfileError('PROFILE_INVALID', 'A host address or an ssh-config alias is required.');
    const profiles = this.list();
    const profile: HostProfile = { ...parsed.data, id: input.id ?? randomUUID() };
    const at = profiles.findIndex((p) => p.id === profile.id);
    if (input.id !== undefined && at === -1) throw new ProfileError('PROFILE_NOT_FOUND', `No host profile ${input.id}.`);
    if (at === -1) profiles.push(profile);
    else profiles[at] = profile;
    this.write(profiles);
    return profile;
  }

  remove(id: string): void {
    const profiles = this.list();
    const rest = profiles.filter((p) => p.id !== id);
    if (rest.length === profiles.length) throw new ProfileError('PROFILE_NOT_FOUND', `No host profile ${id}.`);
    this.write(rest);
  }

  private write(profiles: HostProfile[]): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ version: 1, profiles }, null, 2) + '\n', { mode: 0o600 });
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, this.file);
  }
}
