-- Row-level security as a second guard behind the repositories' own user_id filters.
-- Requests run as onboarding_app, which only sees rows whose user_id equals the transaction's
-- app.user_id setting. The role that applies this migration keeps full access through the
-- *_maintenance policies, because migrations, registration and operator commands run as it.
DO $$
BEGIN
  CREATE ROLE onboarding_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION
  -- Roles are shared by every database of a cluster, so another database may have created it.
  WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'onboarding_app', 'MEMBER') THEN
    EXECUTE format('GRANT onboarding_app TO %I', current_user);
  END IF;
END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO onboarding_app;
--> statement-breakpoint
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO onboarding_app;
--> statement-breakpoint
GRANT SELECT, UPDATE, DELETE ON users TO onboarding_app;
--> statement-breakpoint
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE users FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY users_self ON users TO onboarding_app
  USING (id = current_setting('app.user_id', true))
  WITH CHECK (id = current_setting('app.user_id', true));
--> statement-breakpoint
DO $$
BEGIN
  EXECUTE format('CREATE POLICY users_maintenance ON users TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
--> statement-breakpoint
DO $$
DECLARE
  owned_table text;
BEGIN
  FOREACH owned_table IN ARRAY ARRAY[
    'accounts', 'sessions', 'onboarding_sessions', 'onboarding_steps', 'onboarding_events',
    'api_keys', 'website_analyses', 'research_preferences', 'persona_data',
    'platform_integrations', 'legacy_imports'
  ] LOOP
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO onboarding_app', owned_table);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', owned_table);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', owned_table);
    EXECUTE format(
      'CREATE POLICY %I ON %I TO onboarding_app '
      'USING (user_id = current_setting(''app.user_id'', true)) '
      'WITH CHECK (user_id = current_setting(''app.user_id'', true))',
      owned_table || '_by_user', owned_table
    );
    EXECUTE format(
      'CREATE POLICY %I ON %I TO %I USING (true) WITH CHECK (true)',
      owned_table || '_maintenance', owned_table, current_user
    );
  END LOOP;
END $$;
