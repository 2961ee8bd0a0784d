// Importing users from NDJSON (POST /v1/admin/users/import, npm run import): lines are read as they arrive,
// checked, and written in batches, each batch one transaction, so memory stays bounded whatever the file
// size and a bad line costs only itself. One audit row per run, with the counts, and no per-user events:
// an import is not a sign-up, so it fires no user.created webhook.
import { recordAudit } from '../../audit'
import { importBatch, type BatchItem, type ImportDeps } from './batch'
import { isLineError, parseLine, type LineError } from './line'
import { readLines } from './read-lines'

/** Lines per transaction: large enough to amortise the round trips, small enough to hold locks briefly. */
export const BATCH_LINES = 1000
/** A line longer than this is reported, not read. */
export const MAX_LINE_BYTES = 16 * 1024
/** One request's body at most; `npm run import` sends a file in parts well under it. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024
/** The report lists at most this many errors (`errorCount` counts them all). */
export const MAX_REPORTED_ERRORS = 1000

export interface ImportReport {
  created: number
  updated: number
  skipped: number
  errors: LineError[]
  errorCount: number
}

export interface ImportContext {
  ip?: string | null
  /** Who ran it, for the audit row: 'admin' (the API). */
  actor: string
}

export async function importUsers(
  deps: ImportDeps,
  body: AsyncIterable<Uint8Array>,
  ctx: ImportContext,
): Promise<ImportReport> {
  const report: ImportReport = { created: 0, updated: 0, skipped: 0, errors: [], errorCount: 0 }
  // A batch's errors are reported in line order, those found while reading with those found writing.
  let found: LineError[] = []
  let batch: BatchItem[] = []
  const record = (outcomes: Awaited<ReturnType<typeof importBatch>>, errors: LineError[]) => {
    for (const outcome of outcomes) {
      if (typeof outcome === 'string') report[outcome]++
      else errors.push(outcome)
    }
    for (const e of errors.sort((a, b) => a.line - b.line)) {
      report.errorCount++
      if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push(e)
    }
  }
  // One batch is written while the next is read and checked: the service's CPU and the database's overlap.
  // Batches still commit in file order, each after the one before.
  let writing: Promise<void> = Promise.resolve()
  const flush = async () => {
    const items = batch
    const errors = found
    batch = []
    found = []
    await writing
    const next = importBatch(deps, items).then((outcomes) => record(outcomes, errors))
    next.catch(() => {}) // awaited by the next flush; not an unhandled rejection meanwhile
    writing = next
  }
  const fail = (e: LineError) => found.push(e)
  let finished = false
  try {
    for await (const raw of readLines(body, {
      maxLineBytes: MAX_LINE_BYTES,
      maxBytes: MAX_IMPORT_BYTES,
    })) {
      if (raw.problem === 'too_long')
        fail({
          line: raw.number,
          code: 'payload_too_large',
          message: `The line is longer than ${MAX_LINE_BYTES / 1024} KiB.`,
        })
      if (raw.problem === 'not_utf8')
        fail({ line: raw.number, code: 'invalid_json', message: 'The line is not UTF-8.' })
      if (raw.text === undefined) continue
      const parsed = parseLine(raw.number, raw.text)
      if (parsed === undefined) continue
      if (isLineError(parsed)) fail(parsed)
      else batch.push({ line: raw.number, user: parsed })
      if (batch.length >= BATCH_LINES || found.length >= BATCH_LINES) await flush()
    }
    await flush()
    await writing
    finished = true
    return report
  } finally {
    await writing.catch(() => {})
    // What this instance held of the updated users; the other instances hear it from the database.
    if (report.updated > 0) deps.sessionCache.forgetAll()
    // Written also when the run stops half-way (a body too large, a lost database): the batches before
    // the stop are committed, and the log says so.
    const { errors: _list, ...counts } = report
    await recordAudit(
      deps.db,
      { type: 'users.imported', ip: ctx.ip, detail: { actor: ctx.actor, ...counts, finished } },
      deps.now(),
    ).catch((err: unknown) => deps.logger.warn({ err }, 'could not audit an import run'))
  }
}
