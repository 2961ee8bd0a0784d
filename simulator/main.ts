// CLI: `tsx simulator/main.ts [--port 4000] [--host 127.0.0.1]` serves the WeChat simulator; SIM_APPS sets the apps.
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { defaultSimApps, type SimApp } from './app'
import { startSimulator } from './server'

const appsSchema = z.array(
  z.object({
    appId: z.string().min(1),
    secret: z.string().min(1),
    openPlatform: z.string().min(1).optional(),
  }),
)

/** SIM_APPS: a JSON array of `{appId, secret, openPlatform?}`; absent, the default development app. */
function readApps(raw: string | undefined): SimApp[] {
  if (!raw) return defaultSimApps
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new Error('SIM_APPS is not valid JSON')
  }
  const result = appsSchema.safeParse(parsed)
  if (!result.success) throw new Error(`SIM_APPS is invalid:\n${z.prettifyError(result.error)}`)
  return result.data
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4000' },
    host: { type: 'string', default: '127.0.0.1' },
  },
})
const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a whole number from 0 to 65535 (got "${values.port}")`)
  process.exit(2)
}

try {
  const apps = readApps(process.env.SIM_APPS)
  const sim = await startSimulator({ apps, port, host: values.host })
  console.log(`WeChat simulator listening on ${sim.url} (control API: ${sim.url}/__sim)`)
  for (const app of apps)
    console.log(
      `  app ${app.appId} secret ${app.secret}${app.openPlatform ? ` openPlatform ${app.openPlatform}` : ''}`,
    )
  const stop = () => void sim.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
} catch (err) {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
}
