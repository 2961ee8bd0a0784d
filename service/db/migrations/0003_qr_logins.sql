CREATE TABLE "qr_logins" (
	"id" text PRIMARY KEY NOT NULL,
	"connection" text NOT NULL,
	"poll_token_hash" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"last_polled_at" timestamp with time zone,
	"scanned_by" text,
	"scanned_at" timestamp with time zone,
	"decided_at" timestamp with time zone,
	"session_id" text,
	"ip" text,
	"user_agent" text,
	"origin" text
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "client" text;--> statement-breakpoint
ALTER TABLE "qr_logins" ADD CONSTRAINT "qr_logins_scanned_by_users_id_fk" FOREIGN KEY ("scanned_by") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "qr_logins_expires_at_idx" ON "qr_logins" USING btree ("expires_at");