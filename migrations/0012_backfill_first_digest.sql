-- Teams that were already working before digests existed (they have actions) are not onboarding:
-- their automatic escalations were flowing, and holding them back until a first digest would
-- silence them. Only teams created from now on start in onboarding (first_digest_at null).
UPDATE "teams" SET "first_digest_at" = now() WHERE "first_digest_at" IS NULL AND EXISTS (SELECT 1 FROM "actions" a WHERE a."team_id" = "teams"."id");
