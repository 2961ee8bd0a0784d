CREATE TABLE "legacy_phone_failures" (
	"appid" text NOT NULL,
	"openid" text NOT NULL,
	"window_started_at" timestamp with time zone NOT NULL,
	"failures" integer NOT NULL,
	CONSTRAINT "legacy_phone_failures_appid_openid_pk" PRIMARY KEY("appid","openid")
);
