-- The audit trail is append-only in the database itself, whatever the application does: UPDATE,
-- DELETE and TRUNCATE raise insufficient_privilege (42501). Tamper evidence (the hash chain)
-- covers what a superuser could still do by disabling these triggers.
CREATE OR REPLACE FUNCTION closedloop_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only (% rejected)', TG_OP USING ERRCODE = '42501';
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION closedloop_audit_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION closedloop_audit_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION closedloop_audit_append_only();
--> statement-breakpoint
-- The chain starts from a fixed genesis hash (64 zeros) at sequence 0.
INSERT INTO audit_chain_head (id, seq, hash, prev_hash) VALUES (1, 0, repeat('0', 64), repeat('0', 64)) ON CONFLICT (id) DO NOTHING;
