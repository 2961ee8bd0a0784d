// Applies the drizzle-kit migrations in one transaction under a PostgreSQL advisory lock, so several
// instances starting together all come up and each migration runs exactly once.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import type { Db } from './client'

/** Beside this module in the source tree, and beside the bundle in dist/service (scripts/build.mjs). */
export const defaultMigrationsDir = fileURLToPath(new URL('./migrations', import.meta.url))

// Kept out of schema.ts so drizzle-kit does not generate it: the migrator creates it itself.
const schemaMigrations = pgTable('schema_migrations', {
  tag: text('tag').primaryKey(),
  appliedAt: timestamp('applied_at', { withTimezone: true }).notNull().defaultNow(),
})

/** An arbitrary constant: the advisory lock id that serializes migrations across instances. */
const MIGRATION_LOCK = 727_1001

interface Journal {
  entries: { idx: number; tag: string }[]
}

export async function readMigrationTags(dir = defaultMigrationsDir): Promise<string[]> {
  const journal = JSON.parse(await readFile(join(dir, 'meta', '_journal.json'), 'utf8')) as Journal
  return journal.entries.sort((a, b) => a.idx - b.idx).map((e) => e.tag)
}

/** Returns the tags this call applied (empty when another instance, or an earlier start, did). */
export async function migrate(db: Db, dir = defaultMigrationsDir): Promise<string[]> {
  const tags = await readMigrationTags(dir)
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`)
    await tx.execute(
      sql`CREATE TABLE IF NOT EXISTS schema_migrations (tag text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    )
    const done = new Set((await tx.select().from(schemaMigrations)).map((r) => r.tag))
    const applied: string[] = []
    for (const tag of tags) {
      if (done.has(tag)) continue
      const text = await readFile(join(dir, `${tag}.sql`), 'utf8')
      for (const statement of text.split('--> statement-breakpoint')) {
        if (statement.trim()) await tx.execute(sql.raw(statement))
      }
      await tx.insert(schemaMigrations).values({ tag })
      applied.push(tag)
    }
    return applied
  })
}

/** Readiness: the database answers and every migration this build knows of is applied. */
export async function pendingMigrations(db: Db, tags: string[]): Promise<string[]> {
  const done = new Set((await db.select().from(schemaMigrations)).map((r) => r.tag))
  return tags.filter((t) => !done.has(t))
}
