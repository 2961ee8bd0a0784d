// Opens the database: postgres.js when a URL is given, PGlite (embedded PostgreSQL) otherwise. Both give the
// same drizzle API, so every query in the service runs unchanged on either.
import { PGlite } from '@electric-sql/pglite'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core'
import type { SQL } from 'drizzle-orm'
import postgres from 'postgres'
import { schema } from './schema'
import { databaseTls } from './tls'
import { lockDirectory } from './dir-lock'

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
  /** postgres.js pool size. @default 5 */
  maxConnections?: number
  /** PGlite only: start from this dump of a data directory (tests start from a migrated template). */
  loadDataDir?: Blob
  /** PEM file of the CA the server's certificate must chain to; absent: Amazon RDS's CAs (tls.ts). */
  caFile?: string
  /** Seconds a new connection may take (a paused Aurora Serverless v2 resumes in about 15). @default 10 */
  connectTimeoutSeconds?: number
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url || !options.dataDir) return open(options)
  // One process per PGlite directory (dir-lock.ts), from before PGlite opens it until it is closed.
  const release = lockDirectory(options.dataDir)
  const opened = await open(options).catch((err: unknown) => {
    release()
    throw err
  })
  return { ...opened, close: () => opened.close().finally(release) }
}

async function open(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const client = postgres(options.url, {
      // Always set, so the URL's sslmode (unverified in postgres.js) never decides on its own.
      ssl: databaseTls(options.url, options.caFile),
      // Statements are short and postgres.js pipelines them on busy connections, so a few connections
      // serve a whole instance: on 2 cores, 5 answered 5-15% more logins than 10, and 50 answered
      // 7-22% fewer (bench/ab.ts).
      max: options.maxConnections ?? 5,
      // Prepared statements (drizzle's .prepare()) then take one round trip instead of two.
      prepare: true,
      connect_timeout: options.connectTimeoutSeconds ?? 10,
      // The default backoff grows with a pool-wide retry count to 20 s, so after a database restart queries
      // wait out stale delays; retry within a second instead (jittered, so instances don't reconnect at once).
      backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** retries, 1),
      idle_timeout: 60,
      onnotice: () => {},
    })
    const db = drizzlePostgres(client, { schema }) as unknown as Db
    return { db, kind: 'postgres', close: () => client.end({ timeout: 5 }) }
  }
  const client = new PGlite(options.dataDir, { loadDataDir: options.loadDataDir })
  await client.waitReady
  const db = drizzlePglite(client, { schema }) as unknown as Db
  return { db, kind: 'pglite', close: () => client.close() }
}

const dialect = new PgDialect()
/** Rendered once per statement text: transactions prepare their statements anew on each tx object. */
const rendered = new WeakMap<SQL, ReturnType<PgDialect['sqlToQuery']>>()

/**
 * A hand-written statement as a named prepared statement (one round trip once a connection knows it), for
 * the data-modifying CTEs drizzle's builder cannot express (INSERT ... SELECT into a table with defaults).
 * Values go to the driver as given (timestamps as ISO strings); rows come back unmapped, so alias columns.
 * Keep `query` in a module constant: its rendering is cached by identity.
 */
export function prepareSql<Row>(db: Db, name: string, query: SQL) {
  let built = rendered.get(query)
  if (!built) rendered.set(query, (built = dialect.sqlToQuery(query)))
  const prepared = db._.session.prepareQuery(built, undefined, name, false)
  return async (values: Record<string, unknown>): Promise<Row[]> => {
    const result = (await prepared.execute(values)) as Row[] | { rows: Row[] }
    return Array.isArray(result) ? result : result.rows
  }
}
