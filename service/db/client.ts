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
  /** LISTENs on `channel` (session-cache.ts): on PostgreSQL on a connection of its own, kept subscribed. */
  listen(
    channel: string,
    onMessage: (payload: string) => void,
    events: ListenerEvents,
  ): Promise<Listener>
  close(): Promise<void>
}

export interface ListenerEvents {
  /** LISTEN is in place (the first time, or after a reconnect). */
  onUp(): void
  /** The listening connection closed: notifications may be missed until the next onUp. */
  onDown(): void
}

export interface Listener {
  /** PostgreSQL: notifies the channel from the listening connection itself (absent on PGlite). */
  ping?(payload: string): Promise<void>
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
  /** Tests only: where the listening connection goes, when not to `url` (a proxy that can go silent). */
  listenUrl?: string
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
    const url = options.url
    const client = postgres(url, {
      // Always set, so the URL's sslmode (unverified in postgres.js) never decides on its own.
      ssl: databaseTls(options.url, options.caFile),
      connection: { application_name: 'wechat-login-stack' },
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
    return {
      db,
      kind: 'postgres',
      listen: (channel, onMessage, events) =>
        listenPostgres({ ...options, url: options.listenUrl ?? url }, channel, onMessage, events),
      close: () => client.end({ timeout: 5 }),
    }
  }
  const client = new PGlite(options.dataDir, { loadDataDir: options.loadDataDir })
  await client.waitReady
  const db = drizzlePglite(client, { schema }) as unknown as Db
  return {
    db,
    kind: 'pglite',
    async listen(channel, onMessage, events) {
      // In this process: a notification is delivered with the result of the statement that committed it.
      const unlisten = await client.listen(channel, onMessage)
      events.onUp()
      return { close: () => unlisten() }
    },
    close: () => client.close(),
  }
}

/**
 * A connection of its own that LISTENs and stays subscribed: when it closes (the database restarted, the
 * network dropped it) onDown is told at once and LISTEN is sent again until it succeeds, then onUp.
 */
async function listenPostgres(
  options: DatabaseOptions & { url: string },
  channel: string,
  onMessage: (payload: string) => void,
  events: ListenerEvents,
): Promise<Listener> {
  let closed = false
  let retry: NodeJS.Timeout | undefined
  const client = postgres(options.url, {
    ssl: databaseTls(options.url, options.caFile),
    // With the process id: an operator (or a test) can tell which instance's listener a backend serves.
    connection: { application_name: `wechat-login-stack listener ${process.pid}` },
    max: 1,
    // Never recycled on purpose: each new connection empties the instance's session cache.
    idle_timeout: 0,
    max_lifetime: null,
    fetch_types: false,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    onnotice: () => {},
    onnotify: (c: string, payload: string) => c === channel && onMessage(payload),
    onclose: () => {
      if (closed) return
      events.onDown()
      subscribe()
    },
  } as postgres.Options<Record<string, never>>)
  const quoted = `"${channel.replace(/"/g, '""')}"`
  function subscribe(attempt = 0): Promise<void> {
    return client.unsafe(`LISTEN ${quoted}`).then(
      () => {
        if (!closed) events.onUp()
      },
      () => {
        // Down: keep trying, within a second (the pool's own backoff), until close().
        if (closed) return
        retry = setTimeout(() => void subscribe(attempt + 1), Math.min(50 * 2 ** attempt, 1000))
        retry.unref()
      },
    )
  }
  await subscribe()
  return {
    async ping(payload) {
      await client`SELECT pg_notify(${channel}, ${payload})`
    },
    async close() {
      closed = true
      clearTimeout(retry)
      await client.end({ timeout: 5 })
    },
  }
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
