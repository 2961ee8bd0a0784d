// Child processes of the benchmark: each bundle runs under plain `node` with its output in a log file (so
// the load generator never spends CPU reading it), is ready when a URL answers, and is always stopped.
import { spawn, type ChildProcess } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'

export interface Proc {
  name: string
  url: string
  pid: number
  logFile: string
  /** Resident memory now, in MB (Linux: /proc; elsewhere: ps). */
  rssMb(): number
  stop(): Promise<void>
}

const running = new Set<Proc>()

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

export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1])
    if (kb) return kb / 1024
  } catch {
    // not Linux: fall through to ps
  }
  try {
    return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)]).toString()) / 1024
  } catch {
    return 0
  }
}

/** CPU seconds (user + system) a process has used so far; 0 when it cannot be read (not Linux). */
export function cpuSeconds(pid: number): number {
  try {
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return 0
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

async function waitReady(child: ChildProcess, url: string, log: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${url}: the process exited before it was ready:\n${tail(log)}`)
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return
    if (Date.now() > deadline)
      throw new Error(`${url}: not ready in ${timeoutMs} ms:\n${tail(log)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export interface LaunchOptions {
  script: string
  args?: string[]
  nodeArgs?: string[]
  env: Record<string, string>
  port: number
  /** Answers 2xx when the process is ready, e.g. /readyz. */
  readyPath: string
  logDir: string
  readyTimeoutMs?: number
}

export async function launch(name: string, o: LaunchOptions): Promise<Proc> {
  const logFile = join(o.logDir, `${name}.log`)
  const fd = openSync(logFile, 'a')
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), o.script, ...(o.args ?? [])], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...o.env },
    stdio: ['ignore', fd, fd],
  })
  closeSync(fd)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${o.port}`
  const proc: Proc = {
    name,
    url,
    pid: child.pid!,
    logFile,
    rssMb: () => rssMb(child.pid!),
    async stop() {
      running.delete(proc)
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
  running.add(proc)
  try {
    await waitReady(child, url + o.readyPath, logFile, o.readyTimeoutMs ?? 60_000)
  } catch (err) {
    await proc.stop()
    throw err
  }
  return proc
}

/** Stops every process still running (the run's finally block and the signal handlers call this). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()))
}
