CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"provider" text NOT NULL,
	"ciphertext" "bytea" NOT NULL,
	"key_id" text NOT NULL,
	"last4" text NOT NULL,
	"status" text DEFAULT 'unverified' NOT NULL,
	"status_reason" text,
	"verified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_keys_user_id_provider_key" UNIQUE("user_id","provider"),
	CONSTRAINT "api_keys_status_valid" CHECK ("api_keys"."status" IN ('unverified', 'valid', 'invalid', 'needs_reentry')),
	CONSTRAINT "api_keys_last4_length" CHECK (char_length("api_keys"."last4") <= 4),
	CONSTRAINT "api_keys_provider_format" CHECK ("api_keys"."provider" ~ '^[a-z0-9_-]{1,32}$')
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"user_id" text NOT NULL,
	"type" text NOT NULL,
	"provider" text NOT NULL,
	"provider_account_id" text NOT NULL,
	"refresh_token" text,
	"access_token" text,
	"expires_at" integer,
	"token_type" text,
	"scope" text,
	"id_token" text,
	"session_state" text,
	CONSTRAINT "accounts_pkey" PRIMARY KEY("provider","provider_account_id")
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"session_token" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"expires" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"email" text NOT NULL,
	"email_verified" timestamp with time zone,
	"image" text,
	"password_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_lower_case" CHECK ("users"."email" = lower("users"."email")),
	CONSTRAINT "users_password_hash_argon2id" CHECK ("users"."password_hash" LIKE '$argon2id$%')
);
--> statement-breakpoint
CREATE TABLE "verification_tokens" (
	"identifier" text NOT NULL,
	"token" text NOT NULL,
	"expires" timestamp with time zone NOT NULL,
	CONSTRAINT "verification_tokens_pkey" PRIMARY KEY("identifier","token")
);
--> statement-breakpoint
CREATE TABLE "legacy_imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"source_sha256" text NOT NULL,
	"source_name" text NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL,
	"summary" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "legacy_imports_user_id_source_sha256_key" UNIQUE("user_id","source_sha256")
);
--> statement-breakpoint
CREATE TABLE "onboarding_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "onboarding_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"user_id" text NOT NULL,
	"session_id" uuid,
	"type" text NOT NULL,
	"step_number" smallint,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "onboarding_events_type_valid" CHECK ("onboarding_events"."type" IN ('started', 'draft_saved', 'step_completed', 'step_skipped', 'navigated', 'finished', 'reset', 'key_saved', 'key_removed', 'key_verified', 'key_used', 'legacy_imported')),
	CONSTRAINT "onboarding_events_step_number_range" CHECK ("onboarding_events"."step_number" IS NULL OR "onboarding_events"."step_number" BETWEEN 1 AND 6)
);
--> statement-breakpoint
CREATE TABLE "onboarding_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"current_step" smallint DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'in_progress' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"flow_version" smallint DEFAULT 1 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "onboarding_sessions_user_id_key" UNIQUE("user_id"),
	CONSTRAINT "onboarding_sessions_id_user_id_key" UNIQUE("id","user_id"),
	CONSTRAINT "onboarding_sessions_current_step_range" CHECK ("onboarding_sessions"."current_step" BETWEEN 1 AND 6),
	CONSTRAINT "onboarding_sessions_status_valid" CHECK ("onboarding_sessions"."status" IN ('in_progress', 'completed')),
	CONSTRAINT "onboarding_sessions_completed_at_matches_status" CHECK (("onboarding_sessions"."status" = 'completed') = ("onboarding_sessions"."completed_at" IS NOT NULL)),
	CONSTRAINT "onboarding_sessions_version_positive" CHECK ("onboarding_sessions"."version" > 0)
);
--> statement-breakpoint
CREATE TABLE "onboarding_steps" (
	"session_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"step_number" smallint NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"draft" jsonb,
	"completed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "onboarding_steps_pkey" PRIMARY KEY("session_id","step_number"),
	CONSTRAINT "onboarding_steps_step_number_range" CHECK ("onboarding_steps"."step_number" BETWEEN 1 AND 6),
	CONSTRAINT "onboarding_steps_status_valid" CHECK ("onboarding_steps"."status" IN ('pending', 'in_progress', 'completed', 'skipped')),
	CONSTRAINT "onboarding_steps_completed_at_matches_status" CHECK (("onboarding_steps"."status" = 'completed') = ("onboarding_steps"."completed_at" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "persona_data" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"core_persona" jsonb NOT NULL,
	"platform_personas" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"quality_metrics" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"selected_platforms" text[] NOT NULL,
	CONSTRAINT "persona_data_user_id_key" UNIQUE("user_id"),
	CONSTRAINT "persona_data_selected_platforms_present" CHECK (cardinality("persona_data"."selected_platforms") >= 1)
);
--> statement-breakpoint
CREATE TABLE "platform_integrations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"primary_platform" text,
	"analytics" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"social" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "platform_integrations_user_id_key" UNIQUE("user_id")
);
--> statement-breakpoint
CREATE TABLE "research_preferences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"research_depth" text NOT NULL,
	"content_types" text[] NOT NULL,
	"auto_research" boolean DEFAULT false NOT NULL,
	"factual_content" boolean DEFAULT true NOT NULL,
	"competitors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	CONSTRAINT "research_preferences_user_id_key" UNIQUE("user_id"),
	CONSTRAINT "research_preferences_depth_valid" CHECK ("research_preferences"."research_depth" IN ('basic', 'standard', 'comprehensive', 'expert')),
	CONSTRAINT "research_preferences_content_types_present" CHECK (cardinality("research_preferences"."content_types") >= 1),
	CONSTRAINT "research_preferences_competitors_max" CHECK (jsonb_typeof("research_preferences"."competitors") = 'array' AND jsonb_array_length("research_preferences"."competitors") <= 25)
);
--> statement-breakpoint
CREATE TABLE "website_analyses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"website_url" text,
	"domain_name" text,
	"use_analysis_for_gen_ai" boolean DEFAULT true NOT NULL,
	"analysis_date" timestamp with time zone,
	"writing_style" jsonb,
	"content_characteristics" jsonb,
	"target_audience" jsonb,
	"content_type" jsonb,
	"recommended_settings" jsonb,
	"business_data" jsonb,
	CONSTRAINT "website_analyses_user_id_key" UNIQUE("user_id"),
	CONSTRAINT "website_analyses_url_or_business" CHECK ("website_analyses"."website_url" IS NOT NULL OR "website_analyses"."business_data" IS NOT NULL),
	CONSTRAINT "website_analyses_url_scheme" CHECK ("website_analyses"."website_url" IS NULL OR "website_analyses"."website_url" ~ '^https?://')
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "legacy_imports" ADD CONSTRAINT "legacy_imports_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "onboarding_events" ADD CONSTRAINT "onboarding_events_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "onboarding_events" ADD CONSTRAINT "onboarding_events_session_id_onboarding_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."onboarding_sessions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "onboarding_sessions" ADD CONSTRAINT "onboarding_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "onboarding_steps" ADD CONSTRAINT "onboarding_steps_session_fkey" FOREIGN KEY ("session_id","user_id") REFERENCES "public"."onboarding_sessions"("id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "persona_data" ADD CONSTRAINT "persona_data_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "platform_integrations" ADD CONSTRAINT "platform_integrations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "research_preferences" ADD CONSTRAINT "research_preferences_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "website_analyses" ADD CONSTRAINT "website_analyses_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "accounts_user_id_idx" ON "accounts" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "sessions_user_id_idx" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree ("email");--> statement-breakpoint
CREATE INDEX "legacy_imports_user_id_idx" ON "legacy_imports" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "onboarding_events_user_id_at_idx" ON "onboarding_events" USING btree ("user_id","at");--> statement-breakpoint
CREATE INDEX "onboarding_steps_user_id_idx" ON "onboarding_steps" USING btree ("user_id");