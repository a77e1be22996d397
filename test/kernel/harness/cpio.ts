/**
 * CpioWriter writes a "newc" cpio archive (the format the kernel unpacks as an initramfs,
 * Documentation/driver-api/early-userspace/buffer-format.rst): per entry a 110-byte ASCII
 * header of 13 hex fields, the NUL-terminated name padded to 4 bytes, the data padded to 4.
 * Written here rather than with cpio(1), which CI hosts do not have; only what an initramfs
 * needs: directories, regular files and symlinks, all owned by root.
 */
import fs from 'node:fs';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

export class CpioWriter {
  private readonly fd: number;
  private ino = 1;
  private readonly dirs = new Set<string>(['.', '']);

  constructor(readonly archive: string) {
    this.fd = fs.openSync(archive, 'w');
  }

  /** dir adds a directory and its missing parents (paths are archive-relative, no leading slash). */
  dir(name: string, mode = 0o755): void {
    const clean = name.replace(/^\/+|\/+$/g, '');
    if (this.dirs.has(clean)) return;
    const parent = clean.includes('/') ? clean.slice(0, clean.lastIndexOf('/')) : '';
    if (parent) this.dir(parent);
    this.dirs.add(clean);
    this.entry(clean, S_IFDIR | mode, Buffer.alloc(0));
  }

  /** file adds a regular file with `data` (or the contents of `from`), creating its parents. */
  file(name: string, data: Buffer | string, mode = 0o644): void {
    const clean = name.replace(/^\/+/, '');
    this.parents(clean);
    this.entry(clean, S_IFREG | mode, typeof data === 'string' ? Buffer.from(data) : data);
  }

  /** copy adds a host file under `name`, keeping its permission bits. */
  copy(name: string, from: string): void {
    const st = fs.statSync(from);
    this.file(name, fs.readFileSync(from), st.mode & 0o7777);
  }

  /** symlink adds `name` → `target`. */
  symlink(name: string, target: string): void {
    const clean = name.replace(/^\/+/, '');
    this.parents(clean);
    this.entry(clean, S_IFLNK | 0o777, Buffer.from(target));
  }

  /** close writes the trailer. */
  close(): void {
    this.entry('TRAILER!!!', 0, Buffer.alloc(0), 0);
    fs.closeSync(this.fd);
  }

  private parents(name: string): void {
    if (name.includes('/')) this.dir(name.slice(0, name.lastIndexOf('/')));
  }

  private entry(name: string, mode: number, data: Buffer, ino = this.ino++): void {
    const nameBytes = Buffer.from(`${name}\0`);
    const hex = (n: number): string => n.toString(16).padStart(8, '0');
    const fields = [ino, mode, 0, 0, mode & S_IFDIR ? 2 : 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
    const header = Buffer.from(`070701${fields.map(hex).join('')}`);
    fs.writeSync(this.fd, header);
    fs.writeSync(this.fd, nameBytes);
    fs.writeSync(this.fd, Buffer.alloc(pad4(header.length + nameBytes.length)));
    if (data.length > 0) fs.writeSync(this.fd, data);
    fs.writeSync(this.fd, Buffer.alloc(pad4(data.length)));
  }
}

const pad4 = (n: number): number => (4 - (n % 4)) % 4;
