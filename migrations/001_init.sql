-- 001_init: the v0.2 baseline (networks, peers, bridges, transfer history, audit, alerts,
-- settings) plus the v0.3.0 columns that belong to those tables (network MTU, per-peer
-- bandwidth limits, per-network routing table and firewall mark), and the bookkeeping that
-- lets the agent notice a change committed to the database but never applied to the kernel.
--
-- Conventions
-- - Timestamps are INTEGER milliseconds since the Unix epoch (UTC). Repositories always write
--   them from an injected clock; the column defaults are only a fallback for hand-made rows.
-- - Booleans are INTEGER 0/1 with a CHECK; JSON columns hold arrays/objects and are checked
--   with json_valid()/json_type(), so a bad write fails here and not when the row is read.
-- - Private keys are stored sealed (AES-256-GCM, "v1:" + base64, see agent/src/secrets/),
--   never in plain text. Public keys are plain base64.
-- - Named CHECK constraints: SQLite reports the name ("CHECK constraint failed: mtu_range"),
--   which the repositories translate into a message for people.
-- - Names are unique case-insensitively (COLLATE NOCASE): "Office" and "office" side by side
--   would only confuse.

CREATE TABLE networks (
  id                INTEGER PRIMARY KEY,
  name              TEXT    NOT NULL COLLATE NOCASE,
  interface         TEXT    NOT NULL,
  mode              TEXT    NOT NULL,
  -- At least one of the two subnets; the server address lives inside its subnet
  -- (checked by the domain layer, agent/src/domain/validate.ts).
  subnet4           TEXT,
  subnet6           TEXT,
  address4          TEXT,
  address6          TEXT,
  listen_port       INTEGER NOT NULL,
  private_key_enc   TEXT    NOT NULL,
  public_key        TEXT    NOT NULL,
  dns               TEXT    NOT NULL DEFAULT '[]',
  mtu               INTEGER NOT NULL DEFAULT 1420,
  -- Public host name or address that clients put in Endpoint; NULL = the host-wide default
  -- (settings key 'public_host').
  endpoint_host     TEXT,
  -- Interface NAT masquerades out of (gateway mode); NULL = any but the tunnel itself.
  uplink_interface  TEXT,
  -- v0.3.0 feat-002: 0 = main table / no mark.
  routing_table     INTEGER NOT NULL DEFAULT 0,
  firewall_mark     INTEGER NOT NULL DEFAULT 0,
  enabled           INTEGER NOT NULL DEFAULT 1,
  created_at        INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
  updated_at        INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
  CONSTRAINT network_mode CHECK (mode IN ('gateway', 'site-to-site', 'hub-routed')),
  CONSTRAINT network_subnet_required CHECK (subnet4 IS NOT NULL OR subnet6 IS NOT NULL),
  CONSTRAINT network_address4_with_subnet4 CHECK ((subnet4 IS NULL) = (address4 IS NULL)),
  CONSTRAINT network_address6_with_subnet6 CHECK ((subnet6 IS NULL) = (address6 IS NULL)),
  CONSTRAINT listen_port_range CHECK (listen_port BETWEEN 1 AND 65535),
  CONSTRAINT mtu_range CHECK (mtu BETWEEN 1280 AND 9000),
  CONSTRAINT routing_table_range CHECK (routing_table BETWEEN 0 AND 4294967295),
  CONSTRAINT firewall_mark_range CHECK (firewall_mark BETWEEN 0 AND 4294967295),
  CONSTRAINT network_dns_json CHECK (json_valid(dns) AND json_type(dns) = 'array'),
  CONSTRAINT network_enabled_bool CHECK (enabled IN (0, 1))
);
CREATE UNIQUE INDEX networks_name ON networks (name);
CREATE UNIQUE INDEX networks_interface ON networks (interface);
CREATE UNIQUE INDEX networks_listen_port ON networks (listen_port);

CREATE TABLE peers (
  id                    INTEGER PRIMARY KEY,
  network_id            INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
  name                  TEXT    NOT NULL COLLATE NOCASE,
  email                 TEXT,
  role                  TEXT    NOT NULL DEFAULT 'client',
  -- Tunnel addresses without prefix length (a peer owns exactly one /32 and/or /128).
  address4              TEXT,
  address6              TEXT,
  -- NULL for imported peers whose private key was never known (no client config then).
  private_key_enc       TEXT,
  public_key            TEXT    NOT NULL,
  preshared_key_enc     TEXT,
  -- Subnets behind a site gateway (site-to-site): routed to it on the server side.
  site_networks         TEXT    NOT NULL DEFAULT '[]',
  -- Client-side AllowedIPs override (split tunnel); NULL = what the network mode implies.
  allowed_ips           TEXT,
  endpoint              TEXT,
  persistent_keepalive  INTEGER NOT NULL DEFAULT 0,
  -- v0.3.0 feat-001: kbit/s, 0 = unlimited.
  bandwidth_up_kbps     INTEGER NOT NULL DEFAULT 0,
  bandwidth_down_kbps   INTEGER NOT NULL DEFAULT 0,
  enabled               INTEGER NOT NULL DEFAULT 1,
  expires_at            INTEGER,
  created_at            INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
  updated_at            INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
  CONSTRAINT peer_role CHECK (role IN ('client', 'site-gateway')),
  CONSTRAINT peer_address_required CHECK (address4 IS NOT NULL OR address6 IS NOT NULL),
  CONSTRAINT keepalive_range CHECK (persistent_keepalive BETWEEN 0 AND 65535),
  CONSTRAINT bandwidth_range CHECK (bandwidth_up_kbps >= 0 AND bandwidth_down_kbps >= 0),
  CONSTRAINT peer_site_networks_json CHECK (json_valid(site_networks) AND json_type(site_networks) = 'array'),
  CONSTRAINT peer_allowed_ips_json CHECK (allowed_ips IS NULL OR (json_valid(allowed_ips) AND json_type(allowed_ips) = 'array')),
  CONSTRAINT peer_enabled_bool CHECK (enabled IN (0, 1))
);
CREATE UNIQUE INDEX peers_name ON peers (network_id, name);
CREATE UNIQUE INDEX peers_address4 ON peers (network_id, address4) WHERE address4 IS NOT NULL;
CREATE UNIQUE INDEX peers_address6 ON peers (network_id, address6) WHERE address6 IS NOT NULL;
CREATE UNIQUE INDEX peers_public_key ON peers (network_id, public_key);
CREATE INDEX peers_expires_at ON peers (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE bridges (
  id             INTEGER PRIMARY KEY,
  network_a_id   INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
  network_b_id   INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
  direction      TEXT    NOT NULL DEFAULT 'bidirectional',
  -- Optional filter: only traffic to these CIDRs crosses; empty = everything.
  allowed_cidrs  TEXT    NOT NULL DEFAULT '[]',
  enabled        INTEGER NOT NULL DEFAULT 1,
  created_at     INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
  updated_at     INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
  CONSTRAINT bridge_direction CHECK (direction IN ('a_to_b', 'b_to_a', 'bidirectional')),
  CONSTRAINT bridge_distinct_networks CHECK (network_a_id <> network_b_id),
  CONSTRAINT bridge_allowed_cidrs_json CHECK (json_valid(allowed_cidrs) AND json_type(allowed_cidrs) = 'array'),
  CONSTRAINT bridge_enabled_bool CHECK (enabled IN (0, 1))
);
-- One bridge per unordered pair: A-B and B-A are the same bridge.
CREATE UNIQUE INDEX bridges_pair ON bridges (min(network_a_id, network_b_id), max(network_a_id, network_b_id));
CREATE INDEX bridges_network_b ON bridges (network_b_id);

-- Transfer history. rx/tx are the bytes moved during the interval that ends at ts (the
-- monitor turns the kernel's cumulative counters into deltas, so counter resets on interface
-- restarts do not corrupt sums); rollups are sums, keyed by the bucket start.
CREATE TABLE transfer_snapshots (
  peer_id     INTEGER NOT NULL REFERENCES peers (id) ON DELETE CASCADE,
  resolution  TEXT    NOT NULL,
  ts          INTEGER NOT NULL,
  rx          INTEGER NOT NULL,
  tx          INTEGER NOT NULL,
  PRIMARY KEY (peer_id, resolution, ts),
  CONSTRAINT snapshot_resolution CHECK (resolution IN ('raw', 'hourly', 'daily')),
  CONSTRAINT snapshot_bytes CHECK (rx >= 0 AND tx >= 0)
) WITHOUT ROWID;
-- Compaction scans one resolution by age across all peers.
CREATE INDEX transfer_snapshots_age ON transfer_snapshots (resolution, ts);

CREATE TABLE audit_log (
  id             INTEGER PRIMARY KEY,
  ts             INTEGER NOT NULL,
  -- The SSH user behind the request, or 'system' for the agent's own actions (reconcile, expiry).
  user           TEXT    NOT NULL,
  action         TEXT    NOT NULL,
  resource_type  TEXT    NOT NULL,
  resource_id    TEXT,
  before         TEXT,
  after          TEXT,
  CONSTRAINT audit_before_json CHECK (before IS NULL OR json_valid(before)),
  CONSTRAINT audit_after_json CHECK (after IS NULL OR json_valid(after))
);
CREATE INDEX audit_log_ts ON audit_log (ts);
CREATE INDEX audit_log_resource ON audit_log (resource_type, resource_id, ts);

CREATE TABLE alert_rules (
  id          INTEGER PRIMARY KEY,
  type        TEXT    NOT NULL,
  -- Scope: NULL network = every network; NULL peer = every peer of the scope.
  network_id  INTEGER REFERENCES networks (id) ON DELETE CASCADE,
  peer_id     INTEGER REFERENCES peers (id) ON DELETE CASCADE,
  -- peer_offline: seconds offline; transfer_spike: bytes per hour; interface_down: 0.
  threshold   INTEGER NOT NULL DEFAULT 0,
  -- Notification targets, e.g. {"desktop":true,"webhook":"https://…"}.
  notify      TEXT    NOT NULL DEFAULT '{"desktop":true}',
  enabled     INTEGER NOT NULL DEFAULT 1,
  created_at  INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
  updated_at  INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
  CONSTRAINT alert_type CHECK (type IN ('peer_offline', 'interface_down', 'transfer_spike')),
  CONSTRAINT alert_threshold CHECK (threshold >= 0),
  CONSTRAINT alert_notify_json CHECK (json_valid(notify) AND json_type(notify) = 'object'),
  CONSTRAINT alert_enabled_bool CHECK (enabled IN (0, 1))
);

CREATE TABLE alert_events (
  id             INTEGER PRIMARY KEY,
  rule_id        INTEGER NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
  resource_type  TEXT    NOT NULL,
  resource_id    TEXT    NOT NULL,
  message        TEXT    NOT NULL,
  fired_at       INTEGER NOT NULL,
  resolved_at    INTEGER
);
-- At most one open event per rule and resource: a condition that stays true does not fire twice.
CREATE UNIQUE INDEX alert_events_open ON alert_events (rule_id, resource_type, resource_id) WHERE resolved_at IS NULL;
CREATE INDEX alert_events_fired_at ON alert_events (fired_at);

CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
) WITHOUT ROWID;

-- Kernel bookkeeping (design decision)
--
-- Writes go: validate -> DB transaction -> kernel apply. A kill -9 after the commit and before
-- (or during) the apply leaves the kernel behind the database. Reconcile is level-triggered
-- and would repair the kernel anyway from the desired state; what it cannot know without help
-- is (a) that something was interrupted, which the admin should be told, and (b) which kernel
-- interfaces are ours once the network row that named them is gone (a delete committed, the
-- kernel delete never ran). Two small tables answer exactly those two questions:
--
-- pending_ops: an intent journal. The service inserts a row in the same transaction as the
-- change and deletes it once the kernel apply succeeded. Rows found at start-up are changes
-- that were committed but never confirmed; reconcile reports them, repairs, then clears them.
-- A failed apply keeps the row with attempts/last_error, so retries are visible.
-- A per-row `kernel_state` column was the alternative; it cannot represent deletes (the row is
-- gone) and would spread bookkeeping over every table.
CREATE TABLE pending_ops (
  id               INTEGER PRIMARY KEY,
  created_at       INTEGER NOT NULL,
  op               TEXT    NOT NULL,
  resource_type    TEXT    NOT NULL,
  resource_id      TEXT,
  interface        TEXT,
  summary          TEXT    NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_attempt_at  INTEGER,
  last_error       TEXT
);

-- owned_interfaces: every interface name the agent created, kept until the kernel confirms the
-- interface is gone. Reconcile deletes an observed interface only if it is listed here and no
-- enabled network wants it; interfaces we never created (wg-quick's, other tools') stay untouched.
CREATE TABLE owned_interfaces (
  name        TEXT PRIMARY KEY,
  network_id  INTEGER REFERENCES networks (id) ON DELETE SET NULL,
  created_at  INTEGER NOT NULL
);
