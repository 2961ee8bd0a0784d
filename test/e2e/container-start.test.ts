// The container's start path without Docker: build the service with the Dockerfile's own build command,
// start the task definition's command with the environment the task definition gives it (deploy-time values
// stood in for locally), against a PostgreSQL that requires TLS like RDS, and log in through the simulator.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator, type StartedSimulator } from '../../simulator/server'
import { resourcesOf, synthesize } from '../infra/synth'
import {
  postgresBinDir,
  startPrivatePostgres,
  type PrivatePostgres,
} from '../helpers/private-postgres'
import { freePort, spawnService, type ServiceProcess } from '../helpers/spawn-service'
import { usePostgres } from '../helpers/test-app'
import { assertNoSecretsLogged } from '../helpers/secrets'

const run = promisify(execFile)
const APP = { appId: 'wx1e2d3c4b5a697801', secret: '9f8e7d6c5b4a39281706f5e4d3c2b1a0' }

interface ContainerDefinition {
  Command: string[]
  Environment: { Name: string; Value: unknown }[]
  Secrets: { Name: string }[]
}

describe.runIf(usePostgres() && postgresBinDir())('the container start path', () => {
  let pg: PrivatePostgres
  let sim: StartedSimulator
  let service: ServiceProcess | undefined
  let container: ContainerDefinition
  let dockerfile: string

  beforeAll(async () => {
    ;[pg, sim] = await Promise.all([
      startPrivatePostgres({ ssl: true }),
      startSimulator({ apps: [{ appId: APP.appId, secret: APP.secret }] }),
    ])
    const [taskDefinition] = Object.values(
      resourcesOf(synthesize().template, 'AWS::ECS::TaskDefinition'),
    )
    container = (taskDefinition!.Properties.ContainerDefinitions as ContainerDefinition[])[0]!
    dockerfile = await readFile('service/Dockerfile', 'utf8')
  }, 120_000)
  afterAll(async () => {
    await service?.stop('SIGKILL')
    await sim?.close()
    await pg?.destroy()
  })

  it('starts the built service with the task environment and logs in through the simulator', async () => {
    // The Dockerfile's build step and its CMD are the task definition's command.
    const build = dockerfile.match(/^RUN (npm run build)$/m)?.[1]
    expect(build).toBe('npm run build')
    await run('npm', ['run', 'build'], { timeout: 60_000 })
    const cmd = JSON.parse(dockerfile.match(/^CMD (\[.*\])$/m)![1]!) as string[]
    expect(container.Command).toEqual(cmd)

    // The built bundle needs only production dependencies (the image has no others).
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as {
      dependencies: Record<string, string>
    }
    const bundle = await readFile('dist/service/main.js', 'utf8')
    const imported = new Set(
      [...bundle.matchAll(/^import .*? from "([^"]+)";?$/gm)]
        .map((m) => m[1]!)
        .filter((s) => !s.startsWith('node:'))
        .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!)),
    )
    expect(imported).toContain('hono')
    expect([...imported].filter((name) => !(name in pkg.dependencies))).toEqual([])

    const admin = postgres(pg.url, { max: 1 })
    await admin.unsafe('CREATE DATABASE wechat_login')
    await admin.end()
    const port = await freePort()
    // Stand-ins for what exists only at deploy time; a variable the task sets that is missing here fails.
    const deployTime: Record<string, string> = {
      PUBLIC_URL: 'https://d111111abcdef8.cloudfront.net',
      DB_HOST: '127.0.0.1',
      DB_PORT: new URL(pg.url).port,
      WECHAT_CONNECTION: 'wechat-miniprogram',
      WECHAT_LOGIN_ONLY: 'false',
    }
    const secrets: Record<string, string> = {
      DB_USER: 'postgres',
      DB_PASSWORD: 'trust-auth-ignores-it',
      WECHAT_APP_ID: APP.appId,
      WECHAT_APP_SECRET: APP.secret,
      MASTER_KEY: 'c0ffee'.repeat(10) + 'beef', // 64 hex digits, the form the stack generates
      ADMIN_API_KEY: 'Qm9sZEFkbWluS2V5Rm9yVGhlQ29udGFpbmVyVGVzdA',
      // The parameters' defaults: pushes off, so the Wechat secret's fields are empty strings.
      WECHAT_PUSH_TOKEN: '',
      WECHAT_ENCODING_AES_KEY: '',
    }
    const env: Record<string, string> = {}
    for (const { Name, Value } of container.Environment) {
      const value = typeof Value === 'string' ? Value : deployTime[Name]
      expect(value, `a local stand-in for the deploy-time value of ${Name}`).toBeDefined()
      env[Name] = value!
    }
    for (const { Name } of container.Secrets) {
      expect(secrets[Name], `a local stand-in for the secret ${Name}`).toBeDefined()
      env[Name] = secrets[Name]!
    }
    expect(env.NODE_ENV).toBe('production')
    // The container listens on the task's port; here it must be a free one.
    env.PORT = String(port)
    // The stack points the service at WeChat; here, at the simulator.
    env.WECHAT_API_BASE_URL = sim.url
    // RDS's certificate chains to the CA bundle the service trusts by default; this server's, to a private CA.
    env.DB_SSL_CA = pg.caFile!

    service = await spawnService(env, { entry: cmd[1], testDefaults: false })
    const { code } = (await fetch(`${sim.url}/__sim/login-codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appId: APP.appId, user: 'container-user' }),
    }).then((r) => r.json())) as { code: string }
    const login = await fetch(`${service.url}/v1/connections/wechat-miniprogram/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    })
    expect(login.status).toBe(200)
    const body = (await login.json()) as { accessToken: string }
    const claims = JSON.parse(Buffer.from(body.accessToken.split('.')[1]!, 'base64url').toString())
    expect(claims.iss).toBe('https://d111111abcdef8.cloudfront.net')
    expect(claims.aud).toBe(APP.appId)

    // The connection really is TLS, as RDS requires.
    const check = postgres({
      host: '127.0.0.1',
      port: Number(new URL(pg.url).port),
      user: 'postgres',
      database: 'wechat_login',
      max: 1,
    })
    const [tls] =
      await check`SELECT count(*)::int AS n FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                              WHERE s.ssl AND a.datname = 'wechat_login' AND a.pid <> pg_backend_pid()`
    await check.end()
    expect(tls!.n).toBeGreaterThan(0)

    expect(await service.stop()).toBe(0)
    assertNoSecretsLogged(
      service.lines,
      Object.values(secrets).filter((s) => s.length > 16),
    )
  })
})
