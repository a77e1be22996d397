/**
 * Browser mode's server in a process of its own, for tests that must see whether a request can
 * end it (the fuzz test): prints `{"url","port"}` as one line once it listens, then serves until
 * killed. argv: <renderer dir> <data dir>.
 */
import path from 'node:path';
import { HostManager } from '../../../src-main/core/hosts.js';
import { appPaths } from '../../../src-main/core/paths.js';
import { startWebServer } from '../../../src-main/web/server.js';

const [rendererDir = '', dataDir = ''] = process.argv.slice(2);
const hosts = new HostManager(appPaths(dataDir, { WGPILOT_DATA_DIR: dataDir }), { sshConfigPath: path.join(dataDir, 'no-ssh-config'), userKnownHostsPaths: [] });
const server = await startWebServer({ rendererDir, context: { hosts, mode: 'browser', version: 'fuzz' }, log: () => {} });
process.stdout.write(JSON.stringify({ url: server.url, port: server.port }) + '\n');
