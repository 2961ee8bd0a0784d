// Opens the database: postgres.js when a URL is given, PGlite (embedded PostgreSQL) otherwise. Both give the
// same drizzle API, so every query in the service runs unchanged on either.
import { PGlite } from '@electric-sql/pglite'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core'
import type { SQL } from 'drizzle-orm'
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
      // The default backoff grows with a pool-wide retry count to 20 s, so after a database restart queries
      // wait out stale delays; retry within a second instead (jittered, so instances don't reconnect at once).
      backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** retries, 1),
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

const dialect = new PgDialect()

/**
 * A hand-written statement as a named prepared statement (one round trip once a connection knows it), for
 * the data-modifying CTEs drizzle's builder cannot express (INSERT ... SELECT into a table with defaults).
 * Values go to the driver as given (timestamps as ISO strings); rows come back unmapped, so alias columns.
 */
export function prepareSql<Row>(db: Db, name: string, query: SQL) {
  const prepared = db._.session.prepareQuery(dialect.sqlToQuery(query), undefined, name, false)
  return async (values: Record<string, unknown>): Promise<Row[]> => {
    const result = (await prepared.execute(values)) as Row[] | { rows: Row[] }
    return Array.isArray(result) ? result : result.rows
  }
}
