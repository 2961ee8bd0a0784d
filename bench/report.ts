// Judges each scenario against its floor and the targets (docs/benchmark.md), shows it against the login ceiling too
// (no target: a measure of what is left), prints the table, and writes bench/results.json. A run with errors
// is flagged, never silently averaged.
import { writeFile } from 'node:fs/promises'
import type { LoadResult } from './load'

export const targets = {
  /** ours ÷ floor, requests per second. */
  ratio: {
    'returning-user login': 0.85,
    'new-user login': 0.8,
    'new-user login, unionid': 0.7,
    'GET /v1/me': 0.8,
  } as Record<string, number>,
  /** Our p99 at most this many times the floor's. */
  p99Factor: 2,
  rssMb: 180,
}

export interface Scenario {
  name: string
  ours: LoadResult
  floor?: { name: string; result: LoadResult }
  ratio?: number
  /** The same work done the least possible way (bench/ceiling-login.ts): logins only. */
  ceiling?: { name: string; result: LoadResult }
  /** ours ÷ ceiling, requests per second. */
  ceilingRatio?: number
  p99Ratio?: number
  target?: number
  /** Each target this scenario has, and whether it was met. */
  checks: Record<string, boolean>
  /** Why the figures cannot be trusted as they stand: errors, non-2xx answers, a pool that ran out. */
  flags: string[]
}

export interface Phase {
  database: 'postgres' | 'pglite'
  scenarios: Scenario[]
}

function flagsOf(who: string, r: LoadResult): string[] {
  const flags: string[] = []
  const bad = Object.entries(r.statusCodes).filter(([code]) => !code.startsWith('2'))
  if (r.non2xx) flags.push(`${who}: ${r.non2xx} non-2xx (${bad.map(([c, n]) => `${c}×${n}`)})`)
  if (r.errors) flags.push(`${who}: ${r.errors} socket errors (${r.timeouts} timeouts)`)
  if (r.exhausted) flags.push(`${who}: its pool ran out after ${r.durationS} s`)
  return flags
}

export function judge(
  name: string,
  ours: LoadResult,
  floor?: Scenario['floor'],
  ceiling?: Scenario['ceiling'],
): Scenario {
  const target = targets.ratio[name]
  const s: Scenario = { name, ours, floor, target, checks: {}, flags: flagsOf('ours', ours) }
  if (ceiling) {
    s.ceiling = ceiling
    s.flags.push(...flagsOf('ceiling', ceiling.result))
    s.ceilingRatio = Math.round((ours.rps / ceiling.result.rps) * 100) / 100
  }
  if (floor) {
    s.flags.push(...flagsOf('floor', floor.result))
    s.ratio = Math.round((ours.rps / floor.result.rps) * 100) / 100
    s.p99Ratio = Math.round((ours.p99Ms / floor.result.p99Ms) * 100) / 100
    if (target !== undefined) {
      s.checks.throughput = s.ratio >= target
      s.checks.p99 = s.p99Ratio <= targets.p99Factor
    }
  }
  s.checks.rss = ours.rssPeakMb < targets.rssMb
  return s
}

const pad = (v: unknown, n: number) => String(v).padStart(n)
const mark = (ok: boolean | undefined) => (ok === undefined ? ' ' : ok ? '✓' : '✗')

/** CPU µs per answered request: the process under load + its PostgreSQL backends. */
const cpu = (r: LoadResult) =>
  r.cpuUsPerRequest.postgres
    ? `${r.cpuUsPerRequest.process}+${r.cpuUsPerRequest.postgres}`
    : `${r.cpuUsPerRequest.process}`

export function printPhase(p: Phase, print: (line: string) => void = console.log) {
  print(
    `\n${p.database === 'postgres' ? 'PostgreSQL' : 'PGlite'} (CPU: µs per request, process+database)`,
  )
  print(
    `${'scenario'.padEnd(24)}${pad('req/s', 6)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('RSS MB', 8)}` +
      `${pad('CPU', 10)} │ ${'floor'.padEnd(12)}${pad('req/s', 6)}${pad('p99 ms', 8)}${pad('CPU', 10)}` +
      ` │ ${pad('ratio', 5)}${pad('target', 8)}${pad('p99×', 7)}` +
      ` │ ${'ceiling'.padEnd(14)}${pad('req/s', 6)}${pad('p99 ms', 8)}${pad('CPU', 10)}${pad('ratio', 6)}`,
  )
  for (const s of p.scenarios) {
    const o = s.ours
    const f = s.floor
    const ours =
      `${s.name.padEnd(24)}${pad(o.rps, 6)}${pad(o.p50Ms, 8)}${pad(o.p99Ms, 8)}` +
      `${pad(o.rssPeakMb, 7)}${mark(s.checks.rss)}${pad(cpu(o), 10)}`
    const floor = f
      ? `${f.name.padEnd(12)}${pad(f.result.rps, 6)}${pad(f.result.p99Ms, 8)}${pad(cpu(f.result), 10)}`
      : ' '.repeat(36)
    const ratio = f
      ? `${pad(s.ratio!.toFixed(2), 5)}${pad(s.target ? `≥${s.target}` : '—', 7)}${mark(s.checks.throughput)}` +
        `${pad(s.p99Ratio!.toFixed(2), 6)}${mark(s.checks.p99)}`
      : ' '.repeat(20)
    const c = s.ceiling
    const ceiling = c
      ? ` │ ${c.name.padEnd(14)}${pad(c.result.rps, 6)}${pad(c.result.p99Ms, 8)}` +
        `${pad(cpu(c.result), 10)}${pad(s.ceilingRatio!.toFixed(2), 6)}`
      : ''
    print(`${ours} │ ${floor} │ ${ratio}${ceiling}`.trimEnd())
    for (const flag of s.flags) print(`  ⚠ ${flag}`)
  }
}

/** Per database, the targets missed ("scenario: check"); and whether any run had errors. */
export function verdict(phases: Phase[]) {
  const missed = Object.fromEntries(
    phases.map((p) => [
      p.database,
      p.scenarios.flatMap((s) =>
        Object.entries(s.checks)
          .filter(([, ok]) => !ok)
          .map(([check]) => `${s.name}: ${check}`),
      ),
    ]),
  )
  const flagged = phases.some((p) => p.scenarios.some((s) => s.flags.length > 0))
  return { missed, flagged }
}

export async function writeResults(file: string, run: Record<string, unknown>) {
  await writeFile(file, JSON.stringify(run, null, 2) + '\n')
}
