CREATE TABLE "wechat_push_events" (
	"appid" text NOT NULL,
	"openid" text NOT NULL,
	"event" text NOT NULL,
	"create_time" bigint NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	CONSTRAINT "wechat_push_events_appid_openid_event_create_time_pk" PRIMARY KEY("appid","openid","event","create_time")
);
--> statement-breakpoint
CREATE INDEX "wechat_push_events_received_at_idx" ON "wechat_push_events" USING btree ("received_at");