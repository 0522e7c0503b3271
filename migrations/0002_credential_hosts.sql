ALTER TABLE "provider_configs" ADD COLUMN "hosts" jsonb;--> statement-breakpoint
-- A type-wide ollama/vllm credential stored before bindings existed keeps going where it went:
-- to the hosts of that type's backends (without hosts it would be sent nowhere).
UPDATE "provider_configs" AS pc SET "hosts" = (
  SELECT jsonb_agg(DISTINCT lower(substring(b."base_url" FROM '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^/?#]+)')))
  FROM "backends" AS b WHERE b."type" = pc."type"
)
WHERE pc."backend_id" IS NULL AND pc."hosts" IS NULL AND pc."type" IN ('ollama', 'vllm')
  AND EXISTS (SELECT 1 FROM "backends" AS b WHERE b."type" = pc."type");
