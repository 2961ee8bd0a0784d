-- Hand-written (drizzle-kit does not manage triggers): each instance keeps the live sessions and profiles it
-- has read in memory (service/tokens/session-cache.ts), and the database says, whichever code path or
-- process made the change, when one of them may no longer be true. 's:<session id>': the session was
-- revoked, shortened, moved or deleted while live. 'u:<user id>': the user's status or profile changed (any
-- update that sets updated_at), the user was deleted, or an identity of a user who has sessions was added,
-- moved or removed. Notifications are sent at commit, so a rolled-back change says nothing. The hot paths
-- pay nothing: a returning login only bumps login_count and last_login_at and refreshes an identity's
-- session_key, a refresh slides a session forward, and the WHEN clauses skip those without calling a function.
-- A user import (wechat_login_stack.importing, migration 0006) is skipped row by row: each of its transactions
-- notifies '*' once instead (accounts/import/write.ts), and every instance forgets everything it holds.
CREATE FUNCTION notify_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('wls_session_changes', 's:' || OLD.id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER sessions_notify_update AFTER UPDATE ON sessions FOR EACH ROW
  WHEN (NEW.revoked_at IS DISTINCT FROM OLD.revoked_at OR NEW.expires_at < OLD.expires_at
    OR NEW.user_id IS DISTINCT FROM OLD.user_id)
  EXECUTE FUNCTION notify_session_change();
--> statement-breakpoint
-- Pruning deletes sessions long ended: only a live one's deletion can contradict what an instance holds.
CREATE TRIGGER sessions_notify_delete AFTER DELETE ON sessions FOR EACH ROW
  WHEN (OLD.revoked_at IS NULL AND OLD.expires_at > now())
  EXECUTE FUNCTION notify_session_change();
--> statement-breakpoint
CREATE FUNCTION notify_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('wls_session_changes', 'u:' || OLD.id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER users_notify_update AFTER UPDATE ON users FOR EACH ROW
  WHEN (current_setting('wechat_login_stack.importing', true) IS DISTINCT FROM 'on' AND (
    NEW.status IS DISTINCT FROM OLD.status OR NEW.updated_at IS DISTINCT FROM OLD.updated_at
    OR NEW.phone IS DISTINCT FROM OLD.phone OR NEW.nickname IS DISTINCT FROM OLD.nickname
    OR NEW.avatar IS DISTINCT FROM OLD.avatar OR NEW.gender IS DISTINCT FROM OLD.gender
    OR NEW.external_id IS DISTINCT FROM OLD.external_id))
  EXECUTE FUNCTION notify_user_change();
--> statement-breakpoint
CREATE TRIGGER users_notify_delete AFTER DELETE ON users FOR EACH ROW
  EXECUTE FUNCTION notify_user_change();
--> statement-breakpoint
-- A new user's first identity has no session to contradict yet (the session is written after it), so a
-- first login sends nothing; linking an identity to a user who is signed in somewhere does.
CREATE FUNCTION notify_identity_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM pg_notify('wls_session_changes', 'u:' || OLD.user_id);
  END IF;
  IF TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM sessions WHERE user_id = NEW.user_id) THEN
    PERFORM pg_notify('wls_session_changes', 'u:' || NEW.user_id);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER wechat_identities_notify_insert AFTER INSERT ON wechat_identities FOR EACH ROW
  WHEN (current_setting('wechat_login_stack.importing', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION notify_identity_change();
--> statement-breakpoint
CREATE TRIGGER wechat_identities_notify_update AFTER UPDATE ON wechat_identities FOR EACH ROW
  WHEN (NEW.user_id IS DISTINCT FROM OLD.user_id OR NEW.unionid IS DISTINCT FROM OLD.unionid)
  EXECUTE FUNCTION notify_identity_change();
--> statement-breakpoint
CREATE TRIGGER wechat_identities_notify_delete AFTER DELETE ON wechat_identities FOR EACH ROW
  EXECUTE FUNCTION notify_identity_change();
