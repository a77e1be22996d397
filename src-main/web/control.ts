/**
 * The browser-mode server's control socket: `npm start -- --new-url` asks the running server
 * for a new one-time URL (a lost cookie, a second browser) without restarting it, so connected
 * hosts and their SSH sessions stay up.
 *
 * Design decisions:
 * - A unix socket in a folder of the data dir that only the owner can enter (0700, checked to be
 *   ours), the socket itself 0600: only the same user (and root) can ask. The URL it answers
 *   with is as good as the session it opens, so it must never be reachable from the network or
 *   from other local users — hence not an HTTP endpoint and not a signal that prints the URL
 *   into whichever terminal runs the server.
 * - One request per connection: the line `new-url`, answered by one JSON line `{"url": …}`.
 * - The last server started with a data dir owns its socket; an older one keeps serving but can
 *   no longer mint URLs.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The socket of the browser-mode server that uses `dataDir`. */
export function controlSocketPath(dataDir: string): string {
  return path.join(dataDir, 'run', 'browser-mode.sock');
}

/** Makes `dir` (0700, ours) or refuses when it exists with other owners or modes. */
function privateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  const uid = process.getuid?.() ?? st.uid;
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new Error(`${dir} must be a directory of uid ${uid} with mode 0700 (is ${st.isDirectory() ? 'a directory' : 'not a directory'}, uid ${st.uid}, mode ${(st.mode & 0o777).toString(8)})`);
  }
}

export interface ControlServer {
  path: string;
  close(): Promise<void>;
}

/** Listens on the control socket; `newUrl` is the server's own minting function. */
export async function startControlServer(dataDir: string, newUrl: () => string): Promise<ControlServer> {
  const socketPath = controlSocketPath(dataDir);
  privateDir(path.dirname(socketPath));
  fs.rmSync(socketPath, { force: true });
  const server = net.createServer((conn) => {
    conn.on('error', () => conn.destroy());
    conn.setTimeout(5_000, () => conn.destroy());
    let buffered = '';
    conn.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      if (buffered.length > 64) return conn.destroy();
      const nl = buffered.indexOf('\n');
      if (nl === -1) return;
      const command = buffered.slice(0, nl).trim();
      conn.end(JSON.stringify(command === 'new-url' ? { url: newUrl() } : { error: `unknown command '${command.slice(0, 20)}'` }) + '\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The umask covers the window between bind and chmod: the socket is never wider than 0600.
    const umask = process.umask(0o177);
    try {
      server.listen(socketPath, () => resolve());
    } finally {
      process.umask(umask);
    }
  });
  fs.chmodSync(socketPath, 0o600);
  return {
    path: socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        fs.rmSync(socketPath, { force: true });
      }),
  };
}

/** Asks the running server for a new one-time URL. */
export function requestNewUrl(dataDir: string, timeoutMs = 5_000): Promise<string> {
  const socketPath = controlSocketPath(dataDir);
  return new Promise((resolve, reject) => {
    const conn = net.connect(socketPath);
    let answer = '';
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`the browser-mode server at ${socketPath} did not answer`));
    }, timeoutMs);
    conn.on('connect', () => conn.write('new-url\n'));
    conn.on('data', (d: Buffer) => (answer += d.toString('utf8')));
    conn.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? 'no browser-mode server is running for this data folder' : err.message;
      reject(new Error(`${why} (${socketPath}); start one with \`npm start\``));
    });
    conn.on('end', () => {
      clearTimeout(timer);
      try {
        const r = JSON.parse(answer) as { url?: string; error?: string };
        if (r.url) resolve(r.url);
        else reject(new Error(r.error ?? 'empty answer'));
      } catch {
        reject(new Error(`unexpected answer from ${socketPath}`));
      }
    });
  });
}
