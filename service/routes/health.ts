// GET /healthz (the process answers) and GET /readyz (the database answers and every migration is applied;
// 503 while shutting down, so the load balancer drains this instance first).
import { Hono } from 'hono'
import { pendingMigrations } from '../db/migrate'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import type { AppEnv } from '../http/context'

export interface Lifecycle {
  draining: boolean
}

export function healthRoutes(deps: Deps, lifecycle: Lifecycle) {
  return new Hono<AppEnv>()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      if (lifecycle.draining) throw new AppError('service_unavailable', 'Shutting down.')
      let pending: string[]
      try {
        pending = await pendingMigrations(deps.db, deps.migrationTags)
      } catch (cause) {
        throw new AppError('database_unavailable', 'The database is unavailable.', {
          cause,
          retryAfter: 1,
        })
      }
      if (pending.length)
        throw new AppError('service_unavailable', `${pending.length} migration(s) not applied.`)
      return c.json({ status: 'ready' })
    })
}
