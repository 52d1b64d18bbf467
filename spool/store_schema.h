/* SPDX-License-Identifier: MIT */
/*
 * store_schema.h — the store's schema as forward-only migrations.
 *
 * STORE_MIGRATIONS[i] takes a database from user_version i to i + 1. Never
 * edit a migration that has shipped: add the next one and raise
 * STORE_SCHEMA_VERSION (store.h). Private to store.c.
 *
 * Invariants the schema keeps (so the C code need not):
 *  - a case ref is unique, and so is (year, seq): no duplicate refs ever;
 *  - a message is stored once per dedup_key ("mid:<Message-ID>" or
 *    "sha256:<hash of body hash, Date, From>"), each place it was seen once;
 *  - events, field_changes and deadline_sent are append-only (triggers
 *    refuse UPDATE and DELETE);
 *  - a deadline mail's key is recorded once (PRIMARY KEY).
 *  - every enumerated column holds one of its names (CHECK).
 */
#ifndef BV_STORE_SCHEMA_H
#define BV_STORE_SCHEMA_H

static const char *const STORE_MIGRATIONS[] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE cases ("
	"  id INTEGER PRIMARY KEY,"
	"  ref TEXT NOT NULL UNIQUE,"
	"  year INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL CHECK (seq > 0),"
	"  status TEXT NOT NULL CHECK (status IN ('open', 'held',"
	"    'needs_triage', 'closed', 'rejected')),"
	"  origin TEXT CHECK (origin IN ('municipality', 'supplier',"
	"    'system_owner', 'unknown')),"
	"  reporter TEXT,"
	"  reporting_municipality TEXT,"
	"  breach_at INTEGER,"
	"  discovered_at INTEGER,"
	"  description TEXT, cause TEXT, consequences TEXT, measures TEXT,"
	"  data_categories TEXT,"
	"  affected_count INTEGER CHECK (affected_count >= 0),"
	"  cpr_count INTEGER NOT NULL DEFAULT 0 CHECK (cpr_count >= 0),"
	"  severity TEXT CHECK (severity IN ('low', 'medium', 'high')),"
	"  reported_to_authority INTEGER CHECK (reported_to_authority IN (0, 1)),"
	"  affects_all INTEGER NOT NULL DEFAULT 0 CHECK (affects_all IN (0, 1)),"
	"  spoofed INTEGER NOT NULL DEFAULT 0 CHECK (spoofed IN (0, 1)),"
	"  created_at INTEGER NOT NULL,"
	"  aware_at INTEGER NOT NULL,"
	"  report_message INTEGER REFERENCES messages(id),"
	"  UNIQUE (year, seq)"
	");"
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY,"
	"  dedup_key TEXT NOT NULL UNIQUE,"
	"  message_id TEXT,"
	"  account TEXT NOT NULL,"
	"  mailbox TEXT NOT NULL,"
	"  uidvalidity INTEGER NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  body_sha256 TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('report', 'ack', 'auto_reply',"
	"    'bounce', 'other', 'unanalysable')),"
	"  from_addr TEXT,"
	"  subject TEXT,"
	"  date INTEGER,"
	"  archive_path TEXT,"
	"  analysis_json TEXT,"
	"  case_ref_named TEXT,"
	"  unknown_case_ref INTEGER NOT NULL DEFAULT 0"
	"    CHECK (unknown_case_ref IN (0, 1)),"
	"  case_id INTEGER REFERENCES cases(id),"
	"  received_at INTEGER NOT NULL"
	");"
	"CREATE INDEX messages_message_id ON messages(message_id);"
	"CREATE INDEX messages_case ON messages(case_id);"
	"CREATE TABLE message_locations ("
	"  message INTEGER NOT NULL REFERENCES messages(id),"
	"  account TEXT NOT NULL,"
	"  mailbox TEXT NOT NULL,"
	"  uidvalidity INTEGER NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  seen_at INTEGER NOT NULL,"
	"  PRIMARY KEY (account, mailbox, uidvalidity, uid)"
	");"
	"CREATE INDEX message_locations_message ON message_locations(message);"
	"CREATE TABLE mailbox_state ("
	"  account TEXT NOT NULL,"
	"  mailbox TEXT NOT NULL,"
	"  uidvalidity INTEGER NOT NULL,"
	"  last_uid INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  PRIMARY KEY (account, mailbox)"
	");"
	"CREATE TABLE parties ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL REFERENCES cases(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('supplier', 'municipality',"
	"    'system_owner')),"
	"  name TEXT NOT NULL,"
	"  reporter INTEGER NOT NULL DEFAULT 0 CHECK (reporter IN (0, 1)),"
	"  notified_at INTEGER,"
	"  ack_at INTEGER,"
	"  ack_from TEXT,"
	"  ack_message INTEGER REFERENCES messages(id),"
	"  authority_decision INTEGER CHECK (authority_decision IN (0, 1)),"
	"  authority_decision_at INTEGER,"
	"  return_date INTEGER,"
	"  UNIQUE (case_id, kind, name)"
	");"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL REFERENCES cases(id),"
	"  at INTEGER NOT NULL,"
	"  type TEXT NOT NULL,"
	"  detail TEXT"
	");"
	"CREATE INDEX events_case ON events(case_id);"
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	"CREATE TABLE field_changes ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL REFERENCES cases(id),"
	"  at INTEGER NOT NULL,"
	"  field TEXT NOT NULL,"
	"  old_value TEXT,"
	"  new_value TEXT,"
	"  source_message INTEGER REFERENCES messages(id)"
	");"
	"CREATE INDEX field_changes_case ON field_changes(case_id);"
	"CREATE TRIGGER field_changes_no_update BEFORE UPDATE ON field_changes"
	"  BEGIN SELECT RAISE(ABORT, 'field_changes are append-only'); END;"
	"CREATE TRIGGER field_changes_no_delete BEFORE DELETE ON field_changes"
	"  BEGIN SELECT RAISE(ABORT, 'field_changes are append-only'); END;"
	"CREATE TABLE outbound ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER REFERENCES cases(id),"	/* NULL: the digest */
	"  seq INTEGER NOT NULL CHECK (seq > 0),"	/* <case-REF.SEQ@domain> */
	"  kind TEXT NOT NULL CHECK (kind IN ('receipt', 'triage', 'forward',"
	"    'reminder', 'escalation', 'authority', 'delivery-failure',"
	"    'digest')),"
	"  party INTEGER REFERENCES parties(id),"
	"  recipients TEXT NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued',"
	"    'sent', 'failed', 'expired')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try INTEGER,"
	"  last_error TEXT,"
	"  queue_file TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  sent_at INTEGER,"
	"  UNIQUE (case_id, seq)"
	");"
	"CREATE INDEX outbound_due ON outbound(status, next_try);",

	/* 1 -> 2: what the deadline clock has sent (daemon/deadlines.c). One
	 * row per (case, party, kind, offset) key, so a reminder, an
	 * escalation or a digest is handed to the queue exactly once, across
	 * restarts and --once runs. */
	"CREATE TABLE deadline_sent ("
	"  key TEXT PRIMARY KEY,"
	"  case_id INTEGER REFERENCES cases(id),"	/* NULL: the digest */
	"  party INTEGER REFERENCES parties(id),"	/* NULL: none */
	"  kind TEXT NOT NULL CHECK (kind IN ('reminder', 'escalation',"
	"    'authority', 'digest')),"
	"  due_at INTEGER NOT NULL,"
	"  sent_at INTEGER NOT NULL"
	");"
	"CREATE INDEX deadline_sent_case ON deadline_sent(case_id);"
	"CREATE TRIGGER deadline_sent_no_update BEFORE UPDATE ON deadline_sent"
	"  BEGIN SELECT RAISE(ABORT, 'deadline_sent is append-only'); END;"
	"CREATE TRIGGER deadline_sent_no_delete BEFORE DELETE ON deadline_sent"
	"  BEGIN SELECT RAISE(ABORT, 'deadline_sent is append-only'); END;",

	/* 2 -> 3: a sender's cases of the last hour, counted for every report
	 * (limits.reports_per_sender_per_hour; Q_SENDER_CASES compares the
	 * address without case). Without it each count read the whole table:
	 * 10,000 reports in one mailbox ingested at a third of the rate. */
	"CREATE INDEX cases_reporter ON cases(reporter COLLATE NOCASE, created_at);",

	/* 3 -> 4: two questions asked for every report, answered without
	 * reading every case. Which cases still wait for their first mails
	 * (Q_CASES_UNNOTIFIED, each round of the outbound thread): a case's
	 * first "mails_queued" event stamps cases.mails_queued_at, and a
	 * partial index holds only the cases without it. And whether a
	 * sender's flood notice went out within the hour (Q_SENDER_NOTICES):
	 * a partial index holds only the events of a notice, whose detail
	 * begins with STORE_FLOOD_NOTICE (store.h; the literal must match).
	 * Before, both read every case of the table or of the sender: 10,000
	 * reports from four senders took 150 ms a batch of 256 at the start
	 * and 520 ms at the end. */
	"ALTER TABLE cases ADD COLUMN mails_queued_at INTEGER;"
	"UPDATE cases SET mails_queued_at = (SELECT min(v.at) FROM events v"
	"  WHERE v.case_id = cases.id AND v.type = 'mails_queued');"
	"CREATE TRIGGER events_mails_queued AFTER INSERT ON events"
	"  WHEN NEW.type = 'mails_queued' BEGIN"
	"  UPDATE cases SET mails_queued_at = NEW.at"
	"    WHERE id = NEW.case_id AND mails_queued_at IS NULL; END;"
	"CREATE INDEX cases_unnotified ON cases(id)"
	"  WHERE mails_queued_at IS NULL;"
	"CREATE INDEX events_flood_notice ON events(at)"
	"  WHERE type = 'mails_queued' AND detail LIKE 'flood notice: %';",
};

#endif
