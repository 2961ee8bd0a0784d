// TLS to the database is verified: against a private PostgreSQL serving TLS, a certificate from the trusted
// CA connects, and one from a CA the service does not trust (RDS's bundle by default, or another DB_SSL_CA)
// is refused with a startup error that says what to do.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../service/db/client'
import {
  makeCa,
  postgresBinDir,
  startPrivatePostgres,
  type PrivatePostgres,
} from '../helpers/private-postgres'
import { spawnService } from '../helpers/spawn-service'
import { APP_A, usePostgres } from '../helpers/test-app'

describe.runIf(usePostgres() && postgresBinDir())('database TLS', () => {
  let pg: PrivatePostgres
  let dir: string
  let otherCa: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wls-tls-'))
    ;[pg, { crt: otherCa }] = await Promise.all([
      startPrivatePostgres({ ssl: true }),
      makeCa(dir, 'other-ca'),
    ])
  }, 120_000)
  afterAll(async () => {
    await pg?.destroy()
    await rm(dir, { recursive: true, force: true })
  })

  const tlsUrl = () => `${pg.url}?sslmode=require`

  /** The TLS error code under drizzle's wrapper, or 'connected'. */
  const outcome = (caFile?: string) =>
    query(caFile).then(
      () => 'connected',
      (err: { cause?: { code?: string } }) => err.cause?.code,
    )

  async function query(caFile?: string) {
    const database = await openDatabase({ url: tlsUrl(), caFile, maxConnections: 1 })
    try {
      const result: unknown = await database.db.execute(
        sql`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`,
      )
      return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
        ssl: boolean
      }[]
    } finally {
      await database.close()
    }
  }

  it('connects over TLS when the certificate chains to DB_SSL_CA and names the host', async () => {
    expect(await query(pg.caFile)).toEqual([{ ssl: true }])
  })

  it("refuses the private CA's certificate under the default trust, Amazon RDS's CAs", async () => {
    // The server sends only its own certificate; no trusted CA issued it.
    expect(await outcome()).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE')
  })

  it('refuses a certificate from a CA other than DB_SSL_CA', async () => {
    expect(await outcome(otherCa)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE')
  })

  it('stops the service at start with a clear message when the certificate is not trusted', async () => {
    const env = {
      DATABASE_URL: tlsUrl(),
      DB_SSL_CA: otherCa,
      MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      // A connection, so that the database is what stops it (npm run serve refuses to start without one).
      WECHAT_APP_ID: APP_A.appId,
      WECHAT_APP_SECRET: APP_A.appSecret,
    }
    const failed = await spawnService(env, { readyTimeoutMs: 30_000 }).then(
      (s) => s.stop().then(() => ''),
      (err: Error) => err.message,
    )
    expect(failed).toContain('exited with 1 before ready')
    expect(failed).toContain("The database's TLS certificate was refused")
    expect(failed).toContain('DB_SSL_CA')
  })
})
