-- A change to an action queues an update of every posted message that shows it, in the same
-- transaction as the change, whichever path made it (chat, CLI sync, the scheduler, an import).
-- One statement-level trigger per UPDATE statement: a sync that changes thousands of actions
-- joins them once against message_actions, and the partial unique index on pending updates
-- collapses repeated changes to one message into one queued update (rendered when it is sent).
CREATE OR REPLACE FUNCTION actions_queue_message_updates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox (platform, tenant, channel_id, kind, message_row_id)
  SELECT DISTINCT m.platform, m.tenant, m.channel_id, 'update', m.id
  FROM changed_actions c
  JOIN message_actions ma ON ma.action_id = c.id
  JOIN messages m ON m.id = ma.message_row_id
  ON CONFLICT (message_row_id) WHERE status = 'pending' AND kind = 'update' DO NOTHING;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER actions_message_updates AFTER UPDATE ON actions
  REFERENCING NEW TABLE AS changed_actions
  FOR EACH STATEMENT EXECUTE FUNCTION actions_queue_message_updates();
