// A stand-in for `wireguard-go -f <name>` that needs no root and no tun: it serves a minimal
// UAPI on <FAKE_WG_SOCKET_DIR>/<name>.sock. Run as `node fake-wireguard-go.mjs <binary> -f <name>`
// (the supervisor's commandPrefix is [node, this file]). Behaviour knobs, by environment:
//   FAKE_WG_SOCKET_DIR   socket directory (required)
//   FAKE_WG_DELAY_MS     wait before listening (slow start)
//   FAKE_WG_FAIL         print this to stderr and exit 1 (failed start)
//   FAKE_WG_IGNORE_TERM  ignore SIGTERM (forces the supervisor's SIGKILL)
import { createServer } from 'node:net';
import { join } from 'node:path';

const name = process.argv[process.argv.length - 1];
const env = process.env;
if (env.FAKE_WG_FAIL) {
  process.stderr.write(`${env.FAKE_WG_FAIL}\n`);
  process.exit(1);
}
process.stdout.write(`fake wireguard-go for ${name}, pid ${process.pid}\n`);
let listenPort = 40000 + (process.pid % 1000);
const server = createServer((c) => {
  let buf = '';
  c.on('data', (d) => {
    buf += d;
    if (!buf.endsWith('\n\n')) return;
    if (buf.startsWith('get=1')) c.end(`listen_port=${listenPort}\nerrno=0\n\n`);
    else if (buf.startsWith('set=1')) {
      const m = /listen_port=(\d+)/.exec(buf);
      if (m) listenPort = Number(m[1]);
      c.end('errno=0\n\n');
    } else c.end();
  });
});
setTimeout(() => server.listen(join(env.FAKE_WG_SOCKET_DIR ?? '/nonexistent', `${name}.sock`)), Number(env.FAKE_WG_DELAY_MS ?? 0));
process.on('SIGTERM', () => {
  if (env.FAKE_WG_IGNORE_TERM) return;
  server.close(() => process.exit(0));
});
