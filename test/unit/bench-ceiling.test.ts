// The benchmark's login ceiling (bench/ceiling-login.ts) is only a fair measure while it does the floor's job:
// it is run here as the benchmark runs it (its own process, its own PGlite, the simulator as WeChat), and
// must create a user, then log the same user in again, answering the floor's JSON with a token that
// verifies against the JWKS it publishes.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mintCodes } from '../../bench/pools'
import { freePort, launch, type Proc } from '../../bench/processes'
import { clockEnv } from '../helpers/spawn-service'
import { startSimulator, type StartedSimulator } from '../../simulator/server'

const app = { appId: 'wx00000000000be0c1', secret: 'b'.repeat(32), openPlatform: 'bench' }
const issuer = 'http://bench.local'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
type Json = any

let sim: StartedSimulator
let dir: string
const procs: Proc[] = []

async function start(name: 'ceiling' | 'floor'): Promise<Proc> {
  const port = await freePort()
  const proc = await launch(name, {
    script: `bench/${name}-login.ts`,
    nodeArgs: ['--import', 'tsx'],
    port,
    readyPath: '/healthz',
    logDir: dir,
    env: {
      // This process's shifted clock (faketime in CI), or the tokens it signs are judged by another date.
      ...clockEnv(),
      DATA_DIR: join(dir, `${name}-data`),
      PORT: String(port),
      WECHAT_API_BASE_URL: sim.url,
      APP_ID: app.appId,
      APP_SECRET: app.secret,
      CONNECTION: 'bench',
      ISSUER: issuer,
    },
  })
  procs.push(proc)
  return proc
}

async function login(proc: Proc, user: string) {
  const [code] = await mintCodes(sim.url, app.appId, [user])
  const res = await fetch(`${proc.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'bench-test' },
    body: JSON.stringify({ code }),
  })
  return { status: res.status, json: (await res.json()) as Json }
}

let ceiling: Proc
let floor: Proc

beforeAll(async () => {
  sim = await startSimulator({ apps: [app] })
  dir = await mkdtemp(join(tmpdir(), 'wls-ceiling-test-'))
  ;[ceiling, floor] = await Promise.all([start('ceiling'), start('floor')])
}, 120_000)

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()))
  await sim?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('the login ceiling', () => {
  it('creates a user, then logs the same user in again, with a token its JWKS verifies', async () => {
    const first = await login(ceiling, 'ann')
    expect(first.status).toBe(200)
    expect(first.json.user.loginCount).toBe(1)
    const again = await login(ceiling, 'ann')
    expect(again.status).toBe(200)
    expect(again.json.user).toMatchObject({
      id: first.json.user.id,
      loginCount: 2,
      createdAt: first.json.user.createdAt,
    })
    expect(again.json.refreshToken).not.toBe(first.json.refreshToken)
    expect(again.json).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 })

    const jwks = createRemoteJWKSet(new URL(`${ceiling.url}/.well-known/jwks.json`))
    const { payload, protectedHeader } = await jwtVerify(again.json.accessToken, jwks, {
      issuer,
      audience: app.appId,
      algorithms: ['ES256'],
    })
    expect(protectedHeader.typ).toBe('JWT')
    expect(payload).toMatchObject({ sub: String(again.json.user.id), azp: 'bench' })
    expect(payload.exp! - payload.iat!).toBe(3600)
    expect(payload.sid).toMatch(/^[0-9a-f-]{36}$/)

    // Another user is another account.
    const bob = await login(ceiling, 'bob')
    expect(bob.json.user.id).not.toBe(first.json.user.id)
  })

  it("answers the floor's JSON, key for key and type for type", async () => {
    const shape = (v: unknown): unknown =>
      v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]))
        : typeof v
    const [ours, floors] = await Promise.all([login(ceiling, 'cat'), login(floor, 'cat')])
    expect(floors.status).toBe(200)
    expect(shape(ours.json)).toEqual(shape(floors.json))
  })

  it('refuses a code WeChat does not know, and a body without a code', async () => {
    const res = await fetch(`${ceiling.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'not-a-code' }),
    })
    expect(res.status).toBe(502)
    const empty = await fetch(`${ceiling.url}/login`, { method: 'POST', body: '{}' })
    expect(empty.status).toBe(400)
  })
})
