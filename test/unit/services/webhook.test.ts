/**
 * Alert webhooks against a real local HTTP server: the JSON payload, retries with backoff on
 * 5xx and on a receiver that does not answer in time, no retry on 4xx, the URL's secret path
 * kept out of the log, and the monitor never waiting for a post.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../agent/src/log.js';
import type { WebhookOptions, WebhookPayload } from '../../../agent/src/services/notify.js';
import { until } from '../../support/until.js';
import { testAgent, type TestAgent } from './harness.js';

interface Hit {
  at: number;
  body: WebhookPayload;
  contentType: string | undefined;
}

/** A receiver that answers each request with the next of `plan` (a status, or 'hang'). */
async function receiver(plan: Array<number | 'hang'>) {
  const hits: Hit[] = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (b: Buffer) => (body += b.toString()));
    req.on('end', () => {
      hits.push({ at: Date.now(), body: JSON.parse(body) as WebhookPayload, contentType: req.headers['content-type'] });
      const next = plan.shift() ?? 200;
      if (next === 'hang') hanging.push(res);
      else res.writeHead(next).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T0KEN-SECRET`;
  return {
    url,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log: Logger & { lines: string[] } = {
    lines,
    debug: (m, f) => void lines.push(`debug ${m} ${JSON.stringify(f)}`),
    info: (m, f) => void lines.push(`info ${m} ${JSON.stringify(f)}`),
    warn: (m, f) => void lines.push(`warn ${m} ${JSON.stringify(f)}`),
    error: (m, f) => void lines.push(`error ${m} ${JSON.stringify(f)}`),
    child: () => log,
  };
  return log;
}

let a: TestAgent;
let rx: Awaited<ReturnType<typeof receiver>>;
let log: ReturnType<typeof memoryLog>;

/** Generous per-attempt timeout: on a loaded machine a slow answer must not look like a failure. */
const RELAXED: WebhookOptions = { timeoutMs: 5_000, attempts: 3, backoffMs: 50, hostname: 'vpn1' };

async function setup(plan: Array<number | 'hang'>, webhook: WebhookOptions = RELAXED) {
  rx = await receiver(plan);
  log = memoryLog();
  a = testAgent('alice', { webhook, log });
  await a.caller.networks.create({ name: 'office', mode: 'hub-routed', subnet4: '10.8.0.0/24' });
  await a.caller.monitor.createAlertRule({ condition: { type: 'interface_down' }, notify: { desktop: true, webhook: rx.url } });
}

/** Takes wg0 down and runs a monitor round: one alert fires. */
async function fire() {
  a.kernel.links.get('wg0')!.up = false;
  return a.caller.monitor.tick();
}

beforeEach(() => {
  rx = undefined as never;
});
afterEach(async () => {
  await a?.close();
  await rx?.close();
});

describe('alert webhooks', () => {
  it('posts the alert as JSON when it fires and when it resolves', async () => {
    await setup([200, 204]);
    await fire();
    a.kernel.links.get('wg0')!.up = true;
    await a.caller.monitor.tick();
    await a.domain.notifier.idle();
    expect(rx.hits.map((h) => h.contentType)).toEqual(['application/json', 'application/json']);
    const [firing, resolved] = rx.hits.map((h) => h.body);
    expect(firing).toMatchObject({
      source: 'wgpilot',
      version: 1,
      host: 'vpn1',
      state: 'firing',
      text: "[vpn1] Alert: interface wg0 of network 'office' is down",
      alert: { id: 1, ruleId: 1, resourceType: 'network', resourceId: '1', message: "interface wg0 of network 'office' is down", resolvedAt: null },
      rule: { id: 1, condition: { type: 'interface_down' }, networkId: null, peerId: null },
    });
    expect(resolved).toMatchObject({ state: 'resolved', text: expect.stringMatching(/^\[vpn1\] Resolved: /), alert: { id: 1, resolvedAt: expect.any(String) } });
  });

  it('retries a failing receiver with growing delays, then succeeds', async () => {
    await setup([500, 503, 200]);
    await fire();
    await a.domain.notifier.idle();
    expect(rx.hits).toHaveLength(3);
    const gaps = [rx.hits[1]!.at - rx.hits[0]!.at, rx.hits[2]!.at - rx.hits[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(95);
    expect(log.lines.filter((l) => l.startsWith('warn'))).toEqual([]);
  });

  it('gives up after the last attempt on a receiver that does not answer in time, and says so without the URL path', async () => {
    await setup(['hang', 'hang', 'hang'], { ...RELAXED, timeoutMs: 300 });
    await fire();
    await a.domain.notifier.idle();
    expect(rx.hits).toHaveLength(3);
    const warn = log.lines.filter((l) => l.startsWith('warn webhook post failed'));
    expect(warn).toHaveLength(1);
    expect(warn[0]).toContain('no answer within 300 ms');
    expect(warn[0]).toContain(new URL(rx.url).origin);
    expect(log.lines.join('\n')).not.toContain('T0KEN-SECRET');
  });

  it('does not retry a 4xx (the receiver refuses this request)', async () => {
    await setup([404]);
    await fire();
    await a.domain.notifier.idle();
    expect(rx.hits).toHaveLength(1);
    expect(log.lines.find((l) => l.startsWith('warn webhook post failed'))).toContain('HTTP 404');
  });

  it('never blocks the monitor: the round ends while the receiver still hangs', async () => {
    await setup(['hang'], { timeoutMs: 5_000, attempts: 1, backoffMs: 10, hostname: 'vpn1', closeGraceMs: 50 });
    const started = Date.now();
    const tick = await fire();
    expect(tick.fired).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1_000);
    await until(() => rx.hits.length === 1, 2_000, 'the post');
    // Closing gives the post its grace, then aborts it: close does not wait for the receiver.
    const closing = Date.now();
    await a.close();
    a = undefined as never;
    expect(Date.now() - closing).toBeLessThan(1_000);
  });

  it('a rule without a webhook posts nothing', async () => {
    await setup([]);
    await a.caller.monitor.deleteAlertRule({ id: 1 });
    await a.caller.monitor.createAlertRule({ condition: { type: 'interface_down' } });
    await fire();
    await a.domain.notifier.idle();
    expect(rx.hits).toEqual([]);
  });

  it('refuses a webhook that is not http(s)', async () => {
    await setup([]);
    await expect(a.caller.monitor.createAlertRule({ condition: { type: 'interface_down' }, notify: { desktop: true, webhook: 'file:///etc/passwd' } })).rejects.toThrow(/http:\/\/ or https:\/\//);
  });
});
