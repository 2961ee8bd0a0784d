// Opens the database: postgres.js when a URL is given, PGlite (embedded PostgreSQL) otherwise. Both give the
// same drizzle API, so every query in the service runs unchanged on either.
import { PGlite } from '@electric-sql/pglite'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import postgres from 'postgres'
import { schema } from './schema'

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>

export interface Database {
  db: Db
  kind: 'postgres' | 'pglite'
  close(): Promise<void>
}

export interface DatabaseOptions {
  /** postgres:// URL; absent: PGlite. */
  url?: string
  /** PGlite data directory; absent: in memory. */
  dataDir?: string
  /** postgres.js pool size. */
  maxConnections?: number
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const client = postgres(options.url, {
      max: options.maxConnections ?? 10,
      // Prepared statements (drizzle's .prepare()) then take one round trip instead of two.
      prepare: true,
      connect_timeout: 10,
      idle_timeout: 60,
      onnotice: () => {},
    })
    const db = drizzlePostgres(client, { schema }) as unknown as Db
    return { db, kind: 'postgres', close: () => client.end({ timeout: 5 }) }
  }
  const client = options.dataDir ? new PGlite(options.dataDir) : new PGlite()
  await client.waitReady
  const db = drizzlePglite(client, { schema }) as unknown as Db
  return { db, kind: 'pglite', close: () => client.close() }
}
