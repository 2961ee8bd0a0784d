// Starts the service as a separate process (`tsx service/main.ts`, configured only by environment), waits
// for /readyz, and collects its log lines: for multi-instance, shutdown and fault tests.
import { spawn, type ChildProcess } from 'node:child_process'

/**
 * The environment that shifts this process's clock (faketime's LD_PRELOAD and FAKETIME*), for the processes
 * it starts: a child on the real clock would judge this process's tokens by another date.
 */
export const clockEnv = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] =>
        e[1] !== undefined && (e[0] === 'LD_PRELOAD' || e[0].startsWith('FAKETIME')),
    ),
  )
import { createServer } from 'node:net'

export interface ServiceProcess {
  url: string
  child: ChildProcess
  /** Every line the process wrote to stdout and stderr so far. */
  lines: string[]
  /** Resolves with the exit code. */
  exited: Promise<number | null>
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
    s.once('error', reject)
  })
}

/**
 * A port whose next `count - 1` neighbours are free too: `npm start` (service/dev.ts) also listens on PORT+1
 * (the simulator) and PORT+2 (the QR demo), and another suite's process may hold a neighbour of a free port.
 */
export async function freePorts(count: number): Promise<number> {
  const taken = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer()
      s.once('error', () => resolve(true))
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)))
    })
  for (;;) {
    const port = await freePort()
    const neighbours = Array.from({ length: count - 1 }, (_, i) => port + i + 1)
    if (
      neighbours.every((p) => p < 65536) &&
      !(await Promise.all(neighbours.map(taken))).some(Boolean)
    )
      return port
  }
}

export async function spawnService(
  env: Record<string, string>,
  {
    entry = 'service/main.ts',
    readyTimeoutMs = 30_000,
    /** Add the suites' defaults (high rate limits); false: exactly `env`, plus PATH. */
    testDefaults = true,
  } = {},
): Promise<ServiceProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort()
  // One process (not the tsx CLI, which runs the program as a grandchild that SIGKILL would orphan).
  const command = entry.endsWith('.ts') ? ['node', '--import', 'tsx', entry] : ['node', entry]
  const child = spawn(command[0]!, command.slice(1), {
    env: {
      PATH: process.env.PATH,
      ...clockEnv(),
      ...(testDefaults
        ? {
            HOME: process.env.HOME,
            LOG_LEVEL: 'info',
            RATE_LIMIT_IP_PER_MINUTE: '1000000',
            RATE_LIMIT_CONNECTION_PER_MINUTE: '1000000',
            RATE_LIMIT_REFRESH_IP_PER_MINUTE: '1000000',
            RATE_LIMIT_GRAPHQL_IP_PER_MINUTE: '1000000',
          }
        : {}),
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = ''
    stream.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n')
      rest = parts.pop()!
      lines.push(...parts.filter(Boolean))
    })
  }
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + readyTimeoutMs
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`service exited with ${child.exitCode} before ready:\n${lines.join('\n')}`)
    }
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`service not ready within ${readyTimeoutMs} ms:\n${lines.join('\n')}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    child,
    lines,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal)
      return exited
    },
  }
}
