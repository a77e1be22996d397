/**
 * Child process for the exit test: subscribes to link events in the namespace argv[2], closes
 * the subscription on the first event and reports when; the parent measures how long the
 * process then takes to exit (it must not be held by a pending receive).
 */
import { RouteEventSubscription } from '../../../../agent/src/netlink/families/route/events.js';
import { loadLibc } from '../../../../agent/src/netlink/ffi/libc.js';
import { RTNLGRP_LINK } from '../../../../agent/src/netlink/wire/uapi/rtnetlink.js';

const ns = process.argv[2];
if (!ns) throw new Error('usage: exit-after-close.ts <netns>');
const sub = RouteEventSubscription.open(loadLibc(), [RTNLGRP_LINK], { netns: ns });
sub.once('event', () => {
  sub.close();
  const closedAt = performance.timeOrigin + performance.now();
  process.stdout.write(`${JSON.stringify({ closedAt })}\n`);
});
process.stdout.write('ready\n');
