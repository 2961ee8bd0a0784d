// The benchmark's own PostgreSQL database: created fresh on the server at DATABASE_URL (default: the local
// server) and dropped at the end, whatever happened in between.
import postgres from 'postgres'

export const defaultServer = 'postgres://postgres@127.0.0.1:5432/postgres'

export interface BenchDatabase {
  url: string
  name: string
  drop(): Promise<void>
}

async function admin<T>(server: string, run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(server, { max: 1, onnotice: () => {} })
  try {
    return await run(sql)
  } finally {
    await sql.end({ timeout: 5 })
  }
}

/** Server processes serving `url`'s database: whichever target is under load is the one using them. */
export function backendPids(url: string): Promise<number[]> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1))
  return admin(url, async (sql) => {
    const rows = await sql<{ pid: number }[]>`
      SELECT pid FROM pg_stat_activity WHERE datname = ${name} AND pid <> pg_backend_pid()`
    return rows.map((r) => r.pid)
  })
}

export async function createBenchDatabase(server = defaultServer): Promise<BenchDatabase> {
  const name = `bench_${Date.now()}`
  await admin(server, (sql) => sql.unsafe(`CREATE DATABASE "${name}"`))
  const url = new URL(server)
  url.pathname = `/${name}`
  let dropped = false
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return
      dropped = true
      await admin(server, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))
    },
  }
}
