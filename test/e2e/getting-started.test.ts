// docs/getting-started.md as a new user runs it: its shell blocks, in order, against `npm start` (ports
// and the data directory swapped for free ones). Step 4 is test/e2e/example-miniprogram.test.ts itself;
// step 6 needs a real AppID and is not run.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { usePostgres } from '../helpers/test-app'
import { freePorts, spawnService, type ServiceProcess } from '../helpers/spawn-service'

const page = readFileSync('docs/getting-started.md', 'utf8')
const blocks = [...page.matchAll(/^(?: {3})?```sh\n([\s\S]*?)^(?: {3})?```/gm)].map((m) => m[1]!)
const START_MS = 180_000

let dataDir: string
let service: ServiceProcess
let port: number

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'getting-started-'))
  port = await freePorts(3)
  // Step 2: `npm start`, i.e. service/dev.ts, on a free port (the simulator takes the next one).
  expect(blocks[1]!.trim()).toBe('npm start')
  service = await spawnService(
    { DATA_DIR: dataDir, PORT: String(port) },
    { entry: 'service/dev.ts', testDefaults: false, readyTimeoutMs: START_MS },
  )
}, START_MS + 30_000)
afterAll(async () => {
  await service?.stop('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

/** A block of the page as bash runs it, against this start's ports. */
function run(block: string): string {
  const script = block
    .replaceAll('http://127.0.0.1:3001', `http://127.0.0.1:${port + 1}`)
    .replaceAll('http://localhost:3000', `http://localhost:${port}`)
  return execFileSync('bash', ['-euo', 'pipefail', '-c', script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  })
}

// `npm start` always runs on PGlite: this suite runs once, in the pglite project.
describe.skipIf(usePostgres())('docs/getting-started.md', () => {
  it('step 1 installs with npm ci, from the repository root', () => {
    expect(blocks[0]).toContain('npm ci')
  })

  it("step 3's curl logs alice in, the same user each time", () => {
    const first = JSON.parse(run(blocks[2]!))
    expect(first).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 })
    expect(JSON.parse(run(blocks[2]!)).user.id).toBe(first.user.id)
  })

  it('step 4 names the test that renders the example pages', () => {
    const [, file] = /vitest run (\S+)/.exec(blocks[3]!)!
    expect(existsSync(file!)).toBe(true)
    expect(file).toBe('test/e2e/example-miniprogram.test.ts')
  })

  it("step 5 verifies the token with the example backend's code, shown verbatim", () => {
    expect(page).toContain(
      `\`\`\`ts\n${readFileSync('examples/backend/verify-token.ts', 'utf8')}\`\`\``,
    )
    const out = run(blocks[4]!)
    expect(out).toMatch(/userId: '[^']+'/)
    expect(out).toContain("connection: 'wechat-miniprogram'")
  }, 120_000)
})
