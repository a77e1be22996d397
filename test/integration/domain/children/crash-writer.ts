/**
 * Child of crash.test.ts: an agent (services in-process, supervised wireguard-go) that creates
 * a network, then peers one by one, printing "created <n>" after each — until the test kills
 * it with SIGKILL somewhere in the middle.
 * argv: <stateDir> <netns> <interfacePrefix> <count>
 */
import { createLogger } from '../../../../agent/src/log.js';
import { openHostServices } from '../../../../agent/src/services/index.js';

const [stateDir = '', netns = '', prefix = '', countText = '500'] = process.argv.slice(2);
const s = await openHostServices(stateDir, createLogger({ level: 'error' }), { netns, interfacePrefix: prefix, reconcileIntervalMs: 0, monitorIntervalMs: 0 });
await s.start();
const { network } = await s.networks.create({ name: 'crash', mode: 'hub-routed', subnet4: '10.190.0.0/22', endpointHost: '198.18.240.1' }, 'crash-test');
process.stdout.write(`network ${network.interface}\n`);
for (let i = 0; i < Number(countText); i++) {
  await s.peers.create(network.id, { name: `peer-${i}`, presharedKey: i % 2 === 0, persistentKeepalive: i % 3 === 0 ? 25 : 0 }, 'crash-test');
  process.stdout.write(`created ${i + 1}\n`);
}
process.stdout.write('done\n');
await s.close();
