/**
 * services/: the agent's domain — networks, peers, bridges, import/adoption, status,
 * reconcile, monitoring and host administration — over the database (source of truth) and the
 * kernel. `createServices` is what the composition roots (serve, stdio, call) call once; it
 * owns nothing global and `close()` releases everything it started.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRepositories, openAndMigrate } from '../db/index.js';
import type { Logger } from '../log.js';
import { openSecretBox } from '../secrets/keyfile.js';
import type { SecretBox } from '../secrets/box.js';
import { AdminService } from './admin.js';
import { BridgesService } from './bridges.js';
import { Core } from './core.js';
import { HostKernel, type HostKernelOptions } from './host.js';
import { ImportService } from './import.js';
import type { Kernel } from './kernel.js';
import { Monitor } from './monitor.js';
import { NetworksService } from './networks.js';
import { AlertNotifier, type WebhookOptions } from './notify.js';
import { PeersService } from './peers.js';
import { Reconciler, type ReconcileReport } from './reconcile.js';
import { AuditRetention } from './retention.js';
import { hostStatus, type HostStatus } from './status.js';

/** The database file inside the state dir. */
export const DB_FILE = 'wgpilot.db';

export interface ServicesConfig {
  /** State dir: the database and the secrets key live here. */
  stateDir: string;
  kernel: Kernel;
  log: Logger;
  clock?: () => Date;
  /** Auto-named interfaces are <prefix><n>; default "wg". */
  interfacePrefix?: string;
  /** Reconcile timer; default 30 s, 0 = off. */
  reconcileIntervalMs?: number;
  /** Monitor tick (snapshots, alerts, expiry); default 30 s, 0 = off. */
  monitorIntervalMs?: number;
  /** Tests: a box with a fixed key instead of the state dir's key file. */
  box?: SecretBox;
  /** Alert webhooks: timeouts, retries (tests shorten them). */
  webhook?: WebhookOptions;
}

export interface DomainServices {
  core: Core;
  networks: NetworksService;
  peers: PeersService;
  bridges: BridgesService;
  imports: ImportService;
  reconciler: Reconciler;
  monitor: Monitor;
  admin: AdminService;
  /** Posts alerts to their rules' webhooks. */
  notifier: AlertNotifier;
  /** Prunes the audit log to `audit_retention_days`. */
  retention: AuditRetention;
  status(networkId?: number): Promise<HostStatus>;
  /** Reconciles once (re-applying interrupted writes), then starts the timers and event watch. */
  start(): Promise<ReconcileReport>;
  /** Stops timers, closes the kernel handles and the database. */
  close(): Promise<void>;
}

export function createServices(cfg: ServicesConfig): DomainServices {
  fs.mkdirSync(cfg.stateDir, { recursive: true, mode: 0o700 });
  const dbFile = path.join(cfg.stateDir, DB_FILE);
  const clock = cfg.clock ?? (() => new Date());
  const { db } = openAndMigrate(dbFile, { clock });
  try {
    const box = cfg.box ?? openSecretBox(cfg.stateDir).box;
    const core = new Core(db, createRepositories(db, { clock }), box, cfg.kernel, {
      interfacePrefix: cfg.interfacePrefix ?? 'wg',
      dbFile,
      clock,
      log: cfg.log,
    });
    const networks = new NetworksService(core);
    const peers = new PeersService(core);
    const reconciler = new Reconciler(core, { intervalMs: cfg.reconcileIntervalMs ?? 30_000 });
    const notifier = new AlertNotifier(core, cfg.webhook);
    const monitor = new Monitor(core, peers, { intervalMs: cfg.monitorIntervalMs ?? 30_000, notify: (state, event) => notifier.alert(state, event) });
    const retention = new AuditRetention(core);
    return {
      core,
      networks,
      peers,
      bridges: new BridgesService(core),
      imports: new ImportService(core, networks, peers),
      reconciler,
      monitor,
      admin: new AdminService(core, reconciler, retention),
      notifier,
      retention,
      status: (networkId) => hostStatus(core, networkId),
      async start() {
        const report = await reconciler.start();
        monitor.start();
        retention.start();
        return report;
      },
      async close() {
        reconciler.stop();
        monitor.stop();
        retention.stop();
        try {
          await notifier.close();
          await cfg.kernel.close();
        } finally {
          if (core.db.open) core.db.close();
        }
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

export interface HostServicesOptions extends HostKernelOptions, Omit<ServicesConfig, 'kernel' | 'stateDir' | 'log'> {}

/** openHostServices opens the real kernel (in options.netns when given) and builds the services on it. */
export async function openHostServices(stateDir: string, log: Logger, options: HostServicesOptions = {}): Promise<DomainServices> {
  const kernel = await HostKernel.open(options);
  try {
    return createServices({ ...options, stateDir, kernel, log });
  } catch (err) {
    await kernel.close();
    throw err;
  }
}

export { ServiceError, toServiceError } from './errors.js';
export type { AgentEvent } from './events.js';
export type { Kernel, HostObservation, OpReport } from './kernel.js';
export { HostKernel } from './host.js';
