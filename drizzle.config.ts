// drizzle-kit: generates SQL migrations from service/db/schema.ts into service/db/migrations.
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'postgresql',
  schema: './service/db/schema.ts',
  out: './service/db/migrations',
})
