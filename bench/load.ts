// Drives load with autocannon: keep-alive connections, each request built from the next item of a pool
// made before the clock starts (a login code, a refresh token, a bearer token). A Tally adds up several
// runs (slices) into one result: 2xx per second, exact latency percentiles over the 2xx answers, the peak
// RSS of the process under load, and every answer that was not a 2xx.
import autocannon, { type Request, type Result } from 'autocannon'
import { cpuSeconds, rssMb } from './processes'

export interface Target {
  name: string
  url: string
  pid: number
  /** PostgreSQL backends serving it (their CPU is counted too). */
  dbPids?: number[]
  /** The next request to send; undefined when the pool is used up (the run then stops and is flagged). */
  next: () => Request | undefined
  onBody?: (status: number, body: string) => void
}

export interface LoadResult {
  rps: number
  p50Ms: number
  p99Ms: number
  ok: number
  non2xx: number
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
  durationS: number
  rssPeakMb: number
  /** The pool ran out before the time was up: the figures cover a shorter, partly failed run. */
  exhausted: boolean
  /** CPU time per answered request: the process under load, and its PostgreSQL backends. */
  cpuUsPerRequest: { process: number; postgres: number }
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits

export class Tally {
  private latencies = new Float64Array(1 << 16)
  private n = 0
  private ok = 0
  private non2xx = 0
  private errors = 0
  private timeouts = 0
  private durationS = 0
  private rssPeakMb = 0
  private exhausted = false
  private cpu = { process: 0, postgres: 0 }
  private statusCodes: Record<string, number> = {}

  addLatency(ms: number) {
    if (this.n === this.latencies.length) {
      const bigger = new Float64Array(this.latencies.length * 2)
      bigger.set(this.latencies)
      this.latencies = bigger
    }
    this.latencies[this.n++] = ms
  }

  addRun(
    r: Result,
    rssPeakMb: number,
    exhausted: boolean,
    cpu: { process: number; postgres: number },
  ) {
    this.cpu.process += cpu.process
    this.cpu.postgres += cpu.postgres
    this.ok += r['2xx']
    this.non2xx += r.non2xx
    this.errors += r.errors
    this.timeouts += r.timeouts
    this.durationS += r.duration
    this.rssPeakMb = Math.max(this.rssPeakMb, rssPeakMb)
    this.exhausted ||= exhausted
    for (const [code, { count }] of Object.entries(r.statusCodeStats))
      this.statusCodes[code] = (this.statusCodes[code] ?? 0) + count
  }

  private percentile(sorted: Float64Array, q: number): number {
    if (sorted.length === 0) return NaN
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
  }

  result(): LoadResult {
    const sorted = this.latencies.slice(0, this.n).sort()
    return {
      rps: round(this.ok / this.durationS, 0),
      p50Ms: round(this.percentile(sorted, 0.5), 2),
      p99Ms: round(this.percentile(sorted, 0.99), 2),
      ok: this.ok,
      non2xx: this.non2xx,
      errors: this.errors,
      timeouts: this.timeouts,
      statusCodes: this.statusCodes,
      durationS: round(this.durationS, 2),
      rssPeakMb: round(this.rssPeakMb),
      exhausted: this.exhausted,
      cpuUsPerRequest: {
        process: round((this.cpu.process / this.ok) * 1e6, 0),
        postgres: round((this.cpu.postgres / this.ok) * 1e6, 0),
      },
    }
  }
}

/** One autocannon run of `durationS` against `t`, added to `into`. */
export async function drive(
  t: Target,
  o: { connections: number; durationS: number },
  into: Tally,
): Promise<void> {
  let exhausted = false
  let last: Request | undefined
  let instance: ReturnType<typeof autocannon> | undefined
  const setupRequest = (req: Request): Request => {
    const next = t.next()
    if (next) return (last = { ...req, ...next })
    if (!exhausted) setImmediate(() => instance?.stop?.())
    exhausted = true
    return last ?? req
  }
  const dbCpu = () => (t.dbPids ?? []).reduce((sum, pid) => sum + cpuSeconds(pid), 0)
  const cpuBefore = { process: cpuSeconds(t.pid), postgres: dbCpu() }
  let rssPeakMb = rssMb(t.pid)
  const sampler = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, rssMb(t.pid))), 200)
  try {
    instance = autocannon({
      url: t.url,
      connections: o.connections,
      duration: o.durationS,
      // autocannon stops at its next sample tick: short ticks keep short slices close to their length.
      sampleInt: 250,
      timeout: 10,
      requests: [{ setupRequest, onResponse: t.onBody && ((s, body) => t.onBody!(s, body)) }],
    })
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) into.addLatency(ms)
    })
    const r = await instance
    const cpu = {
      process: cpuSeconds(t.pid) - cpuBefore.process,
      postgres: dbCpu() - cpuBefore.postgres,
    }
    into.addRun(r, Math.max(rssPeakMb, rssMb(t.pid)), exhausted, cpu)
  } finally {
    clearInterval(sampler)
  }
}

export interface Schedule {
  connections: number
  durationS: number
  warmupS: number
  /** Slices per target: the floor and ours alternate, so both see the same background load. */
  rounds: number
}

/**
 * Measures each target for `durationS` in all, after a warm-up each, in `rounds` alternating slices
 * (A B, B A, A B, ...), so that a shift of the machine's background load falls on both alike.
 */
export async function measure(
  targets: Target[],
  s: Schedule,
  dbPids: () => Promise<number[]> = async () => [],
): Promise<LoadResult[]> {
  for (const t of targets)
    if (s.warmupS > 0) await drive(t, { ...s, durationS: s.warmupS }, new Tally())
  // After the warm-up every pool has opened its connections.
  const pids = await dbPids()
  for (const t of targets) t.dbPids = pids
  const tallies = targets.map(() => new Tally())
  const slice = { connections: s.connections, durationS: s.durationS / s.rounds }
  for (let r = 0; r < s.rounds; r++) {
    const order = r % 2 === 0 ? targets.keys() : [...targets.keys()].reverse()
    for (const i of order) await drive(targets[i]!, slice, tallies[i]!)
  }
  return tallies.map((t) => t.result())
}
