// The login floor's database access: raw SQL on postgres.js (named prepared statements: one round trip
// each) or on PGlite, with no ORM in between. The schema comes from the service's migrations (setup only).
import { PGlite } from '@electric-sql/pglite'
import { drizzle } from 'drizzle-orm/pglite'
import postgres from 'postgres'
import type { Db } from '../service/db/client'
import { migrate } from '../service/db/migrate'

export type Row = Record<string, unknown>

export interface FloorDb {
  query(text: string, params: unknown[]): Promise<Row[]>
  close(): Promise<void>
}

export async function openFloorDb(url: string | undefined, dataDir: string | undefined) {
  if (url) {
    const sql = postgres(url, { max: 10, prepare: true, onnotice: () => {} })
    const db: FloorDb = {
      query: (text, params) => sql.unsafe(text, params as never[], { prepare: true }),
      close: () => sql.end({ timeout: 5 }),
    }
    return db
  }
  const pg = new PGlite(dataDir)
  await pg.waitReady
  await migrate(drizzle(pg) as unknown as Db)
  const db: FloorDb = {
    query: async (text, params) => (await pg.query<Row>(text, params)).rows,
    close: () => pg.close(),
  }
  return db
}
