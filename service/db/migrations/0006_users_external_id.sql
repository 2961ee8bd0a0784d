ALTER TABLE "users" ADD COLUMN "external_id" text;--> statement-breakpoint
CREATE UNIQUE INDEX "users_external_id_key" ON "users" USING btree ("external_id");
--> statement-breakpoint
-- Hand-written: a user import (accounts/import/write.ts) sets wechat_login_stack.importing for its own
-- transaction, and the webhook triggers skip its rows: imported users are no sign-ups and no profile edits,
-- so the customer's backends, which already have them, get no user.created or user.updated for them.
DROP TRIGGER users_webhook_insert ON users;--> statement-breakpoint
CREATE TRIGGER users_webhook_insert AFTER INSERT ON users
  FOR EACH ROW WHEN (current_setting('wechat_login_stack.importing', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION webhook_user_event();
--> statement-breakpoint
DROP TRIGGER users_webhook_update ON users;--> statement-breakpoint
CREATE TRIGGER users_webhook_update AFTER UPDATE ON users
  FOR EACH ROW WHEN (
    current_setting('wechat_login_stack.importing', true) IS DISTINCT FROM 'on' AND (
      OLD.status IS DISTINCT FROM NEW.status OR OLD.phone IS DISTINCT FROM NEW.phone
      OR OLD.nickname IS DISTINCT FROM NEW.nickname OR OLD.avatar IS DISTINCT FROM NEW.avatar
      OR OLD.gender IS DISTINCT FROM NEW.gender)
  ) EXECUTE FUNCTION webhook_user_event();
