/**
 * SettingsRepo: the `settings` key/value table for host-wide preferences.
 *
 * Known keys are typed (SettingKey → value type) so callers cannot misspell a key or store a
 * number where a list is expected; values are stored as JSON text. Unknown keys found in the
 * table (written by a newer build) are kept and listed by `raw()`, never deleted.
 */
import { DbError } from './errors.js';
import type { Db } from './rows.js';

/** The settings this build knows, with their value types. */
export interface Settings {
  /** Host name or address clients connect to when a network has no endpoint host of its own. */
  public_host: string;
  /** DNS servers proposed for new networks. */
  default_dns: string[];
  /** Persistent keepalive proposed for new peers (seconds). */
  default_keepalive: number;
  /** How long audit entries are kept (days; 0 = forever). */
  audit_retention_days: number;
}

export type SettingKey = keyof Settings;

function statements(db: Db) {
  return {
    get: db.prepare('SELECT value FROM settings WHERE key = ?').pluck(),
    set: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    delete: db.prepare('DELETE FROM settings WHERE key = ?'),
    all: db.prepare('SELECT key, value FROM settings ORDER BY key'),
  };
}

export class SettingsRepo {
  private readonly s: ReturnType<typeof statements>;

  constructor(db: Db) {
    this.s = statements(db);
  }

  get<K extends SettingKey>(key: K): Settings[K] | undefined {
    const text = this.s.get.get(key) as string | undefined;
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as Settings[K];
    } catch (err) {
      throw new DbError('integrity', `setting ${key} holds invalid JSON`, { cause: err });
    }
  }

  /** getOr returns the stored value or `fallback` when the key is not set. */
  getOr<K extends SettingKey>(key: K, fallback: Settings[K]): Settings[K] {
    return this.get(key) ?? fallback;
  }

  set<K extends SettingKey>(key: K, value: Settings[K]): void {
    this.s.set.run(key, JSON.stringify(value));
  }

  /** delete unsets a key; returns whether it was set. */
  delete(key: SettingKey): boolean {
    return this.s.delete.run(key).changes > 0;
  }

  /** raw lists every stored key with its JSON text, including keys this build does not know. */
  raw(): { key: string; value: string }[] {
    return this.s.all.all() as { key: string; value: string }[];
  }
}
