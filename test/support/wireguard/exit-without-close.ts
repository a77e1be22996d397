/**
 * Child process for the supervisor test: starts 12 fake daemons through one UserspaceBackend,
 * prints their pids as JSON and exits without close(). The backend's process 'exit' hook must
 * kill them all (and 12 devices must not trigger a MaxListenersExceededWarning).
 * argv: <socketDir> <fake daemon script>
 */
import { UserspaceBackend } from '../../../agent/src/wireguard/userspace.js';

const [dir = '', fake = ''] = process.argv.slice(2);
const backend = new UserspaceBackend({ socketDir: dir, daemon: { commandPrefix: [process.execPath, fake], env: { FAKE_WG_SOCKET_DIR: dir } } });
const names = Array.from({ length: 12 }, (_, i) => `wgexit${i}`);
for (const n of names) await backend.createDevice(n);
process.stdout.write(JSON.stringify(names.map((n) => backend.supervisor(n)?.pid)) + '\n');
process.exit(0);
