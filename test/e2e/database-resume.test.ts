// A database that pauses when idle (Aurora Serverless v2 at 0 ACU) holds a new connection until it has
// resumed: the service's first query then waits as long as DB_CONNECT_TIMEOUT allows instead of failing.
// Stood in for by a TCP proxy that holds each new connection before passing it to PostgreSQL.
import { createServer, connect, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { openDatabase } from '../../service/db/client'
import { freshPostgresDatabase, usePostgres } from '../helpers/test-app'

/** Listens on a free loopback port; each connection is passed to `target` only after `holdMs`. */
async function resumingProxy(target: URL, holdMs: number) {
  const server: Server = createServer((client) => {
    client.pause()
    const timer = setTimeout(() => {
      const upstream = connect(Number(target.port || 5432), target.hostname)
      client.pipe(upstream).pipe(client)
      client.resume()
      upstream.on('error', () => client.destroy())
      client.on('error', () => upstream.destroy())
    }, holdMs)
    client.on('close', () => clearTimeout(timer))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: (() => {
      const u = new URL(target)
      u.hostname = '127.0.0.1'
      u.port = String(port)
      return u.toString()
    })(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe.runIf(usePostgres())('a database resuming from a pause', () => {
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>
  let proxy: Awaited<ReturnType<typeof resumingProxy>>

  beforeAll(async () => {
    database = await freshPostgresDatabase()
    proxy = await resumingProxy(new URL(database.url), 2000)
  })
  afterAll(async () => {
    await proxy?.close()
    await database?.drop()
  })

  it('answers the first query once it has resumed, within the connect timeout', async () => {
    const db = await openDatabase({ url: proxy.url, connectTimeoutSeconds: 10 })
    const started = performance.now()
    try {
      const rows = await db.db.execute(sql`SELECT 1 AS one`)
      expect([...(rows as unknown as { one: number }[])]).toEqual([{ one: 1 }])
      expect(performance.now() - started).toBeGreaterThanOrEqual(1900)
    } finally {
      await db.close()
    }
  })

  it('gives up when resuming takes longer than the connect timeout', async () => {
    const db = await openDatabase({ url: proxy.url, connectTimeoutSeconds: 1 })
    const started = performance.now()
    try {
      await expect(db.db.execute(sql`SELECT 1`)).rejects.toMatchObject({
        cause: { code: 'CONNECT_TIMEOUT' },
      })
      expect(performance.now() - started).toBeLessThan(1900)
    } finally {
      await db.close()
    }
  })
})
