// `npm run serve` with no Mini Program configured refuses to start, naming the variables, instead of
// reporting ready with nothing to log in to; `npm start` (which configures the simulator's) still starts,
// with its playground at /.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, spawnService } from '../helpers/spawn-service'
import { usePostgres } from '../helpers/test-app'

let dataDir: string
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'wls-serve-'))
})
afterAll(() => rm(dataDir, { recursive: true, force: true }))

describe('starting the service', () => {
  it('refuses to serve without a connection, in a sentence naming the variables', async () => {
    const child = spawn('node', ['--import', 'tsx', 'service/main.ts'], {
      env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: String(await freePort()) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    const [code] = await once(child, 'exit')
    expect(code).toBe(1)
    expect(output).toMatch(
      /WECHAT_CONNECTIONS or WECHAT_APP_ID and WECHAT_APP_SECRET must configure/,
    )
    expect(output).not.toMatch(/listening/)
  })

  // PGlite either way: once is enough.
  it.skipIf(usePostgres())(
    'still starts `npm start` on PGlite and the simulator',
    async () => {
      const service = await spawnService(
        { DATA_DIR: dataDir },
        { entry: 'service/dev.ts', readyTimeoutMs: 90_000 },
      )
      try {
        expect((await fetch(`${service.url}/readyz`)).status).toBe(200)
        expect(service.lines.join('\n')).toMatch(/wechat-login-stack \(development\)/)
        // The playground is at / (production's main.ts has none: test/unit/production-bundle.test.ts).
        const playground = await fetch(`${service.url}/`)
        expect(playground.status).toBe(200)
        expect(await playground.text()).toContain('playground')
        expect((await fetch(`${service.url}/playground/app.js`)).status).toBe(200)
      } finally {
        expect(await service.stop()).toBe(0)
      }
    },
    120_000,
  )
})
