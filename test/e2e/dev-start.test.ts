// `npm start` as a developer meets it: real WeChat (or WECHAT_API_BASE_URL) when given credentials, the LAN
// address with HOST, and a sentence (no stack) for a port in use or a data directory another process holds.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startSimulator } from '../../testing'
import { usePostgres } from '../helpers/test-app'
import { clockEnv, freePort, freePorts, spawnService } from '../helpers/spawn-service'

const APP = { appId: 'wx1111222233334444', secret: 'a-real-looking-app-secret-0001' }

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dev-start-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Runs an entry until it exits: its output and exit code (for starts that must fail). */
function runToExit(entry: string, env: Record<string, string>) {
  const child = spawn('node', ['--import', 'tsx', entry], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...clockEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (c: Buffer) => (output += c))
  child.stderr.on('data', (c: Buffer) => (output += c))
  const timer = setTimeout(() => child.kill('SIGKILL'), START_MS)
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    }),
  )
}

// A first start creates and migrates a PGlite directory: tens of seconds on a loaded machine.
const START_MS = 180_000

async function dev(env: Record<string, string>) {
  const service = await spawnService(env, {
    entry: 'service/dev.ts',
    testDefaults: false,
    readyTimeoutMs: START_MS,
  })
  onTestFinished(() => service.stop('SIGKILL').then(() => undefined))
  // Ready is when it answers HTTP; its banner reaches us through a pipe a moment later.
  for (let i = 0; i < 200 && !service.lines.some((l) => l.includes('Public keys:')); i++)
    await new Promise((r) => setTimeout(r, 50))
  return { ...service, banner: () => service.lines.join('\n') }
}

// `npm start` always runs on PGlite: this suite runs once, in the pglite project.
describe.skipIf(usePostgres())('npm start', { timeout: START_MS + 30_000 }, () => {
  it('with an AppID and WECHAT_API_BASE_URL talks to that WeChat, says so, and prints no simulator curl', async () => {
    const wechat = await startSimulator({ apps: [APP] })
    onTestFinished(() => wechat.close())
    const s = await dev({
      DATA_DIR: dataDir(),
      WECHAT_APP_ID: APP.appId,
      WECHAT_APP_SECRET: APP.secret,
      WECHAT_API_BASE_URL: wechat.url,
      HOST: '0.0.0.0',
    })
    const banner = s.banner()
    expect(banner).toContain(`WeChat: ${wechat.url}, AppID ${APP.appId}`)
    expect(banner).not.toMatch(/simulator|__sim|undefined/)
    expect(banner).toContain('<code from wx.login>')
    expect(banner).not.toContain(APP.secret)

    const code = (await wechat.state.mintLoginCode(wechat.state.apps.get(APP.appId)!, 'ann')).code
    const res = await fetch(`${s.url}/v1/connections/wechat-miniprogram/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    })
    expect(res.status).toBe(200)
    expect(wechat.state.calls['/sns/jscode2session']).toBe(1)

    // HOST=0.0.0.0: every interface, and the addresses to paste into DevTools.
    const port = new URL(s.url).port
    const lan = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address)
    for (const address of lan) {
      expect(banner).toContain(`  http://${address}:${port}`)
      expect((await fetch(`http://${address}:${port}/healthz`)).status).toBe(200)
    }
    if (lan.length) expect(banner).toContain('On your network')
  })

  it('without credentials runs the simulator; a second process on its data directory gets a sentence', async () => {
    const dir = dataDir()
    const first = await dev({ DATA_DIR: dir })
    expect(first.banner()).toMatch(/WeChat: simulator at http:\/\/127\.0\.0\.1:\d+/)
    expect(first.banner()).toContain('/__sim/login-codes')

    // A configured connection: serve refuses to start without one, before it reaches the data directory.
    const second = await runToExit('service/main.ts', {
      DATA_DIR: dir,
      PORT: String(await freePort()),
      WECHAT_APP_ID: APP.appId,
      WECHAT_APP_SECRET: APP.secret,
    })
    expect(second.code).toBe(1)
    expect(second.output).toContain(
      `The data directory ${dir} is in use by another wechat-login-stack (process ${first.child.pid})`,
    )
    expect(second.output).not.toMatch(/^\s+at /m)
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200)
  })

  it('says in a sentence that the port is in use', async () => {
    const port = await freePorts(3)
    const holder: Server = createServer()
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => holder.close(() => resolve())))
    const { code, output } = await runToExit('service/dev.ts', {
      DATA_DIR: dataDir(),
      PORT: String(port),
    })
    expect(code).toBe(1)
    expect(output).toContain(`Port ${port} on 127.0.0.1 is already in use`)
    expect(output).not.toMatch(/^\s+at /m)
  })
})
