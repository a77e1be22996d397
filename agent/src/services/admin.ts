/**
 * AdminService: host-wide administration — database backup and restore, the host's UDP
 * listeners with which are ours (roadmap feat-007), settings, the audit log, alert rules and
 * alert events.
 *
 * Design decisions:
 * - Restore swaps the live database: under the services' lock it closes the connection,
 *   restores (refusing a file from a newer schema or a damaged one), reopens and migrates,
 *   then reconciles the kernel to the restored state. If the restore is refused, the original
 *   database is reopened untouched.
 * - A UDP listener is "ours" when its port is a network's listen port and that network's
 *   device reports the same port (kernel WireGuard sockets have no process).
 */
import fs from 'node:fs';
import path from 'node:path';
import { backupDatabase, bundledMigrations, createRepositories, openAndMigrate, restoreDatabase } from '../db/index.js';
import type { BackupResult } from '../db/backup.js';
import type { AlertEvent, AlertRule, NewAlertRule } from '../db/alerts.js';
import type { AuditEntry, AuditQuery } from '../db/audit.js';
import type { Settings, SettingKey } from '../db/settings.js';
import { dnsIssues } from '../domain/validate.js';
import type { Core } from './core.js';
import { invalid } from './errors.js';
import type { ReconcileReport, Reconciler } from './reconcile.js';
import type { AuditRetention } from './retention.js';

export interface UdpListener {
  address: string;
  port: number;
  family: 4 | 6;
  pid: number | null;
  command: string | null;
  /** The network whose WireGuard interface holds this port, when it is ours. */
  network: { id: number; name: string; interface: string } | null;
}

export class AdminService {
  constructor(
    private readonly core: Core,
    private readonly reconciler: Reconciler,
    private readonly retention?: AuditRetention,
  ) {}

  /** backup writes a consistent copy of the live database (SQLite online backup). */
  async backup(dest?: string): Promise<BackupResult> {
    const file = dest ?? path.join(path.dirname(this.core.options.dbFile), 'backups', `wgpilot-${this.core.now().toISOString().replace(/[:.]/g, '-')}.db`);
    if (!path.isAbsolute(file)) throw invalid(`backup path must be absolute, got ${file}`);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const result = await backupDatabase(this.core.db, file);
    this.core.audit('system', 'system.backup', 'database', null, null, { file: result.file, bytes: result.bytes });
    return result;
  }

  /** restore replaces the database with a backup, then reconciles the kernel to it. */
  restore(source: string, user: string): Promise<{ schemaVersion: number; reconcile: ReconcileReport }> {
    if (!path.isAbsolute(source)) throw invalid(`restore path must be absolute, got ${source}`);
    return this.core.lock
      .run(async () => {
        const file = this.core.options.dbFile;
        this.core.db.close();
        let info: { schemaVersion: number };
        try {
          info = await restoreDatabase(source, file, bundledMigrations());
        } finally {
          const { db } = openAndMigrate(file, { clock: this.core.options.clock });
          this.core.db = db;
          this.core.repos = createRepositories(db, { clock: this.core.options.clock });
        }
        this.core.audit(user, 'system.restore', 'database', null, null, { source, schemaVersion: info.schemaVersion });
        return info;
      })
      .then(async (info) => ({ schemaVersion: info.schemaVersion, reconcile: await this.reconciler.reconcileOnce('restore') }));
  }

  /** ports lists the host's UDP listeners and marks ours. Equivalent to: `ss -uanp`. */
  async ports(): Promise<UdpListener[]> {
    const networks = this.core.repos.networks.list();
    const holders = await this.core.kernel.udpListeners();
    const devicePorts = new Map<number, (typeof networks)[number]>();
    for (const n of networks) {
      const d = await this.core.kernel.device(n.interface);
      if (d && d.listenPort === n.listenPort) devicePorts.set(n.listenPort, n);
    }
    return holders
      .filter((h) => h.state === 'UNCONN' || h.state === 'ESTAB')
      .map((h) => {
        const n = devicePorts.get(h.port);
        return {
          address: h.address,
          port: h.port,
          family: h.family,
          pid: h.pid ?? null,
          command: h.command ?? null,
          network: n ? { id: n.id, name: n.name, interface: n.interface } : null,
        };
      })
      .sort((a, b) => a.port - b.port || a.family - b.family);
  }

  settings(): Partial<Settings> {
    const s = this.core.repos.settings;
    const keys: SettingKey[] = ['public_host', 'default_dns', 'default_keepalive', 'audit_retention_days'];
    return Object.fromEntries(keys.flatMap((k) => {
      const v = s.get(k);
      return v === undefined ? [] : [[k, v]];
    })) as Partial<Settings>;
  }

  /**
   * setSetting stores a host-wide setting. Each has an effect: `default_dns` and
   * `default_keepalive` fill new networks and peers that do not say (networks.ts, peers.ts),
   * `audit_retention_days` prunes the audit log now and daily (retention.ts).
   */
  setSetting<K extends SettingKey>(key: K, value: Settings[K], user: string): Partial<Settings> {
    if (key === 'default_dns') {
      const issues = dnsIssues(value as string[]);
      if (issues.length > 0) throw invalid(issues.map((i) => i.message).join('; '), issues.map((i) => ({ ...i, field: `value${i.field.slice('dns'.length)}` })));
    }
    const before = this.core.repos.settings.get(key);
    this.core.repos.settings.set(key, value);
    this.core.audit(user, 'settings.set', 'setting', key, { [key]: before ?? null }, { [key]: value });
    if (key === 'audit_retention_days') this.retention?.prune();
    return this.settings();
  }

  audit(q: AuditQuery): AuditEntry[] {
    return this.core.repos.audit.list(q);
  }

  alertRules(): AlertRule[] {
    return this.core.repos.alertRules.list();
  }

  createAlertRule(rule: NewAlertRule, user: string): AlertRule {
    const created = this.core.repos.alertRules.create(rule);
    this.core.audit(user, 'alert-rule.create', 'alert-rule', created.id, null, created);
    return created;
  }

  setAlertRuleEnabled(id: number, enabled: boolean, user: string): AlertRule {
    const updated = this.core.repos.alertRules.setEnabled(id, enabled);
    this.core.audit(user, 'alert-rule.update', 'alert-rule', id, null, updated);
    return updated;
  }

  deleteAlertRule(id: number, user: string): void {
    const before = this.core.repos.alertRules.get(id);
    this.core.repos.alertRules.delete(id);
    this.core.audit(user, 'alert-rule.delete', 'alert-rule', id, before ?? null, null);
  }

  alertEvents(openOnly: boolean, limit: number): AlertEvent[] {
    const e = this.core.repos.alertEvents;
    return openOnly ? e.listOpen() : e.recent(limit);
  }
}
