/**
 * The secret key file: 32 random bytes at `<stateDir>/secrets/master.key`, mode 0600 in a 0700
 * directory, owned by the agent's user (root on a host). Created on first use.
 *
 * Design decisions:
 * - A key file that others can read is refused, not silently chmod-ed: if it was exposed, the
 *   admin has to decide whether to rotate. A too-open directory is tightened, since the
 *   directory mode alone reveals nothing.
 * - Creation is race-free across processes (daemon and a CLI starting at once): the key is
 *   written to a private temp file, fsync-ed, then hard-linked into place; link(2) fails if
 *   another process got there first, and then that process's key is used.
 * - O_NOFOLLOW on open: a symlink planted at the key path is not followed.
 * - Losing this file makes every sealed key unreadable; backups of the database are useless
 *   without it (and that is the point of keeping it out of the database).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SecretBox, SECRET_KEY_BYTES } from './box.js';
import { SecretsError } from './errors.js';

export const SECRETS_DIR = 'secrets';
export const KEY_FILE = 'master.key';

export interface LoadedSecretKey {
  box: SecretBox;
  path: string;
  /** True when this call created the key. */
  created: boolean;
}

/** openSecretBox loads the key of `stateDir` (creating it on first use) and returns a box. */
export function openSecretBox(stateDir: string): LoadedSecretKey {
  const dir = path.join(stateDir, SECRETS_DIR);
  const file = path.join(dir, KEY_FILE);
  ensurePrivateDir(dir);
  let created = false;
  if (!fs.existsSync(file)) created = createKeyFile(dir, file);
  const key = readKeyFile(file);
  const box = new SecretBox(key);
  key.fill(0);
  return { box, path: file, created };
}

function euid(): number | undefined {
  return process.geteuid?.();
}

function ensurePrivateDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(dir);
    if (!st.isDirectory()) throw new SecretsError('key-file', `${dir} is not a directory`);
    if (euid() !== undefined && st.uid !== euid()) {
      throw new SecretsError('key-file', `${dir} is owned by uid ${st.uid}, not by this process (uid ${euid()})`);
    }
    if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
  } catch (err) {
    if (err instanceof SecretsError) throw err;
    throw new SecretsError('key-file', `cannot prepare secrets directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

/** createKeyFile writes a fresh key; returns false when another process created one first. */
function createKeyFile(dir: string, file: string): boolean {
  const tmp = path.join(dir, `.${KEY_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const key = randomBytes(SECRET_KEY_BYTES);
  try {
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    try {
      fs.writeSync(fd, key);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    fsyncDir(dir);
    return true;
  } catch (err) {
    throw new SecretsError('key-file', `cannot create secret key ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    key.fill(0);
    fs.rmSync(tmp, { force: true });
  }
}

function readKeyFile(file: string): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    throw new SecretsError('key-file', `cannot open secret key ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new SecretsError('key-file', `${file} is not a regular file`);
    if (euid() !== undefined && st.uid !== euid()) {
      throw new SecretsError('key-file', `${file} is owned by uid ${st.uid}, not by this process (uid ${euid()})`);
    }
    const mode = st.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new SecretsError(
        'key-file',
        `${file} has mode 0${mode.toString(8)}, it must be 0600: others may have read it. If it was not exposed, run chmod 600 ${file}`,
      );
    }
    if (st.size !== SECRET_KEY_BYTES) {
      throw new SecretsError('key-file', `${file} holds ${st.size} bytes, a secret key is ${SECRET_KEY_BYTES}: the file is damaged`);
    }
    const key = Buffer.alloc(SECRET_KEY_BYTES);
    fs.readSync(fd, key, 0, SECRET_KEY_BYTES, 0);
    return key;
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
