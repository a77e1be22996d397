/**
 * BridgesRepo: the `bridges` table (controlled forwarding between two networks). A bridge is
 * an unordered pair: the unique index on (min, max) of the two ids refuses B–A next to A–B.
 */
import type { Bridge, BridgeDirection } from '../domain/model.js';
import { notFound, translateConstraint, type ConstraintMessages } from './errors.js';
import { fromBool, parseStringArray, stripUndefined, systemClock, toBool, toDate, toJson, type Clock, type Db } from './rows.js';

interface BridgeRow {
  id: number;
  network_a_id: number;
  network_b_id: number;
  direction: BridgeDirection;
  allowed_cidrs: string;
  enabled: number;
  created_at: number;
  updated_at: number;
}

export interface NewBridge {
  networkAId: number;
  networkBId: number;
  direction?: BridgeDirection;
  allowedCidrs?: string[];
  enabled?: boolean;
}

export type BridgePatch = Partial<Pick<NewBridge, 'direction' | 'allowedCidrs' | 'enabled'>>;

const COLUMNS = 'id, network_a_id, network_b_id, direction, allowed_cidrs, enabled, created_at, updated_at';

function toBridge(r: BridgeRow): Bridge {
  return {
    id: r.id,
    networkAId: r.network_a_id,
    networkBId: r.network_b_id,
    direction: r.direction,
    allowedCidrs: parseStringArray(r.allowed_cidrs, 'bridges.allowed_cidrs'),
    enabled: toBool(r.enabled),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

function statements(db: Db) {
  return {
    insert: db.prepare(`INSERT INTO bridges (network_a_id, network_b_id, direction, allowed_cidrs, enabled, created_at, updated_at)
      VALUES (@a, @b, @direction, @allowed_cidrs, @enabled, @now, @now) RETURNING ${COLUMNS}`),
    update: db.prepare(`UPDATE bridges SET direction = @direction, allowed_cidrs = @allowed_cidrs, enabled = @enabled,
      updated_at = @now WHERE id = @id RETURNING ${COLUMNS}`),
    get: db.prepare(`SELECT ${COLUMNS} FROM bridges WHERE id = ?`),
    list: db.prepare(`SELECT ${COLUMNS} FROM bridges ORDER BY id`),
    forNetwork: db.prepare(`SELECT ${COLUMNS} FROM bridges WHERE network_a_id = ? OR network_b_id = ? ORDER BY id`),
    networkName: db.prepare('SELECT name FROM networks WHERE id = ?').pluck(),
    delete: db.prepare('DELETE FROM bridges WHERE id = ?'),
  };
}

export class BridgesRepo {
  private readonly s: ReturnType<typeof statements>;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
  ) {
    this.s = statements(db);
  }

  create(b: NewBridge): Bridge {
    try {
      return toBridge(
        this.s.insert.get({
          a: b.networkAId,
          b: b.networkBId,
          direction: b.direction ?? 'bidirectional',
          allowed_cidrs: toJson(b.allowedCidrs ?? []),
          enabled: fromBool(b.enabled ?? true),
          now: this.clock().getTime(),
        }) as BridgeRow,
      );
    } catch (err) {
      throw translateConstraint(err, this.messages(b));
    }
  }

  get(id: number): Bridge | undefined {
    const r = this.s.get.get(id) as BridgeRow | undefined;
    return r && toBridge(r);
  }

  list(): Bridge[] {
    return (this.s.list.all() as BridgeRow[]).map(toBridge);
  }

  listForNetwork(networkId: number): Bridge[] {
    return (this.s.forNetwork.all(networkId, networkId) as BridgeRow[]).map(toBridge);
  }

  update(id: number, patch: BridgePatch): Bridge {
    return this.db.transaction(() => {
      const current = this.get(id);
      if (!current) throw notFound('bridge', id);
      const m = { ...current, ...stripUndefined(patch) };
      return toBridge(
        this.s.update.get({
          id,
          direction: m.direction,
          allowed_cidrs: toJson(m.allowedCidrs),
          enabled: fromBool(m.enabled),
          now: this.clock().getTime(),
        }) as BridgeRow,
      );
    })();
  }

  delete(id: number): void {
    if (this.s.delete.run(id).changes === 0) throw notFound('bridge', id);
  }

  private messages(b: NewBridge): ConstraintMessages {
    const name = (id: number): string => {
      const n = this.s.networkName.get(id) as string | undefined;
      return n === undefined ? `network ${id}` : `'${n}'`;
    };
    return {
      table: 'bridges',
      unique: { bridges_pair: () => `networks ${name(b.networkAId)} and ${name(b.networkBId)} are already bridged` },
      check: {
        bridge_distinct_networks: () => 'a bridge connects two different networks',
        bridge_direction: () => 'direction must be a_to_b, b_to_a or bidirectional',
      },
      foreignKey: () => `network ${[b.networkAId, b.networkBId].filter((id) => this.s.networkName.get(id) === undefined).join(' and ')} does not exist`,
    };
  }
}
