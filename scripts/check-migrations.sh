#!/usr/bin/env bash
# Fails when src/db/schema.ts has changed without a committed migration: drizzle-kit generates
# into a scratch copy of migrations/, and any new file there is schema drift.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.drift-check   # inside the repo: drizzle-kit resolves "out" relative to the working directory
rm -rf "$scratch"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch"
cp -r migrations "$scratch/migrations"
cat > "$scratch/drizzle.config.ts" <<CONFIG
export default { dialect: 'postgresql', schema: './src/db/schema.ts', out: './$scratch/migrations', strict: true };
CONFIG
npx drizzle-kit check --config "$scratch/drizzle.config.ts"
before=$(ls "$scratch/migrations" | wc -l)
npx drizzle-kit generate --config "$scratch/drizzle.config.ts" --name drift > "$scratch/generate.log" 2>&1
after=$(ls "$scratch/migrations" | wc -l)
if [ "$before" != "$after" ]; then
  echo "src/db/schema.ts differs from migrations/: run 'npm run db:generate -- --name <change>' and commit the migration." >&2
  cat "$scratch/generate.log" >&2
  exit 1
fi
echo "migrations match src/db/schema.ts"
