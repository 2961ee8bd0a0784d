CREATE TABLE "webhook_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"endpoint_id" text NOT NULL,
	"type" text NOT NULL,
	"user_id" text,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"last_attempt_at" timestamp with time zone,
	"last_status" integer,
	"last_error" text,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"id" text PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"events" text[],
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries" USING btree ("next_attempt_at" NULLS FIRST,"seq") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_deliveries_status_idx" ON "webhook_deliveries" USING btree ("status","seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "webhook_deliveries_seq_idx" ON "webhook_deliveries" USING btree ("seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "webhook_deliveries_user_id_idx" ON "webhook_deliveries" USING btree ("user_id");--> statement-breakpoint
-- Hand-written (drizzle-kit does not manage triggers): the webhook outbox is filled by the database itself,
-- in the transaction (or the single statement) that changes a user, whichever code path made the change:
-- a code login's one-statement CTE, a phone login, PATCH /v1/me, the admin API, a deletion. One row per
-- configured endpoint that wants the type; nothing when no endpoint is configured. A returning login only
-- bumps login_count and last_login_at, which the update trigger's WHEN clause skips without calling the
-- function. Deleting a user also strips the person's profile from their earlier rows (PIPL): only the id stays.
CREATE FUNCTION webhook_user_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  types text[];
  changes text[] := '{}';
  u users%ROWTYPE;
  t text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    u := NEW;
    types := ARRAY['user.created'];
  ELSIF TG_OP = 'DELETE' THEN
    u := OLD;
    types := ARRAY['user.deleted'];
    UPDATE webhook_deliveries
      SET payload = jsonb_set(payload, '{data}', jsonb_build_object('user', jsonb_build_object('id', OLD.id)))
      WHERE user_id = OLD.id;
  ELSE
    u := NEW;
    types := '{}';
    IF OLD.status IS DISTINCT FROM NEW.status THEN
      types := types || CASE WHEN NEW.status = 'blocked' THEN 'user.blocked' ELSE 'user.unblocked' END;
    END IF;
    IF OLD.phone IS DISTINCT FROM NEW.phone THEN changes := changes || 'phone'::text; END IF;
    IF OLD.nickname IS DISTINCT FROM NEW.nickname THEN changes := changes || 'nickname'::text; END IF;
    IF OLD.avatar IS DISTINCT FROM NEW.avatar THEN changes := changes || 'avatar'::text; END IF;
    IF OLD.gender IS DISTINCT FROM NEW.gender THEN changes := changes || 'gender'::text; END IF;
    IF cardinality(changes) > 0 THEN types := types || 'user.updated'::text; END IF;
  END IF;
  FOREACH t IN ARRAY types LOOP
    INSERT INTO webhook_deliveries (id, endpoint_id, type, user_id, payload)
    SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), e.id, t, u.id,
      jsonb_build_object(
        'type', t,
        'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'data', CASE
          WHEN t = 'user.deleted' THEN jsonb_build_object('user', jsonb_build_object('id', u.id))
          ELSE jsonb_build_object('user', jsonb_build_object(
            'id', u.id, 'phone', u.phone, 'nickname', u.nickname, 'avatar', u.avatar,
            'gender', u.gender, 'status', u.status))
            || CASE WHEN t = 'user.updated' THEN jsonb_build_object('changes', to_jsonb(changes))
               ELSE '{}'::jsonb END
        END)
    FROM webhook_endpoints e
    WHERE e.events IS NULL OR t = ANY (e.events);
  END LOOP;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER users_webhook_insert AFTER INSERT ON users
  FOR EACH ROW EXECUTE FUNCTION webhook_user_event();
--> statement-breakpoint
CREATE TRIGGER users_webhook_update AFTER UPDATE ON users
  FOR EACH ROW WHEN (
    OLD.status IS DISTINCT FROM NEW.status OR OLD.phone IS DISTINCT FROM NEW.phone
    OR OLD.nickname IS DISTINCT FROM NEW.nickname OR OLD.avatar IS DISTINCT FROM NEW.avatar
    OR OLD.gender IS DISTINCT FROM NEW.gender
  ) EXECUTE FUNCTION webhook_user_event();
--> statement-breakpoint
CREATE TRIGGER users_webhook_delete AFTER DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION webhook_user_event();
