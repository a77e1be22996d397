/**
 * Column conversions shared by the repositories: SQLite has no boolean, date or array types, so
 * they are stored as INTEGER 0/1, INTEGER milliseconds and JSON text, and converted here in one
 * place. A malformed JSON column is a DbError('integrity'): the schema's json_valid() checks
 * make it impossible through the repositories, so it means the file was edited by hand.
 */
import type Database from 'better-sqlite3';
import { DbError } from './errors.js';

/** Db is the better-sqlite3 connection type the repositories take. */
export type Db = Database.Database;

/** Clock is injected so tests control created_at/updated_at; production passes () => new Date(). */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

export function toBool(v: number): boolean {
  return v !== 0;
}

export function fromBool(v: boolean): 0 | 1 {
  return v ? 1 : 0;
}

export function toDate(ms: number): Date {
  return new Date(ms);
}

export function toDateOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

export function fromDate(d: Date): number {
  return d.getTime();
}

export function fromDateOrNull(d: Date | null | undefined): number | null {
  return d ? d.getTime() : null;
}

/** parseStringArray reads a JSON array-of-strings column. */
export function parseStringArray(text: string, column: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DbError('integrity', `column ${column} holds invalid JSON`, { cause: err });
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new DbError('integrity', `column ${column} should hold a JSON array of strings`);
  }
  return value;
}

export function parseStringArrayOrNull(text: string | null, column: string): string[] | null {
  return text === null ? null : parseStringArray(text, column);
}

export function parseJsonOrNull(text: string | null, column: string): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new DbError('integrity', `column ${column} holds invalid JSON`, { cause: err });
  }
}

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** stripUndefined drops keys explicitly set to undefined, so a patch does not erase merged values. */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
