// Sends a byte stream of NDJSON to the import route in parts of N lines, each part streamed as its own
// request, and sums the reports with line numbers counted from the start of the file. Lines are never
// assembled: a part ends at the byte after its Nth newline, so memory holds one chunk whatever the file.
import { Readable } from 'node:stream'

export interface LineError {
  line: number
  code: string
  message: string
}
export interface ImportTotals {
  created: number
  updated: number
  skipped: number
  errorCount: number
}
export interface SendOptions {
  endpoint: URL
  adminKey: string
  linesPerRequest: number
  onError: (e: LineError) => void
}

export async function sendInParts(input: Readable, o: SendOptions): Promise<ImportTotals> {
  const totals: ImportTotals = { created: 0, updated: 0, skipped: 0, errorCount: 0 }
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  let rest: Buffer | undefined
  let linesBefore = 0
  for (;;) {
    // No request for nothing: stop when the file has no more bytes.
    if (!rest) {
      const next = await chunks.next()
      if (next.done) break
      rest = next.value
    }
    let lines = 0
    /** The part: chunks until its last newline; what follows goes to the next part. */
    async function* part() {
      for (;;) {
        const chunk = rest ?? (await chunks.next().then((r) => (r.done ? undefined : r.value)))
        rest = undefined
        if (chunk === undefined) return
        let at = -1
        while (lines < o.linesPerRequest && (at = chunk.indexOf(10, at + 1)) !== -1) lines++
        if (lines === o.linesPerRequest && at !== -1 && at + 1 < chunk.length) {
          rest = chunk.subarray(at + 1)
          yield chunk.subarray(0, at + 1)
          return
        }
        yield chunk
        if (lines === o.linesPerRequest) return
      }
    }
    const res = await fetch(o.endpoint, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${o.adminKey}`,
        'content-type': 'application/x-ndjson',
      },
      body: Readable.toWeb(Readable.from(part())) as ReadableStream,
      duplex: 'half',
    } as RequestInit).catch((err: Error) => {
      throw Object.assign(new Error(`Could not reach ${o.endpoint.origin}: ${err.message}`), {
        totals,
      })
    })
    const body = (await res.json().catch(() => undefined)) as
      | (ImportTotals & { errors: LineError[] })
      | { error?: { code: string; message: string } }
      | undefined
    if (!res.ok || !body || !('created' in body)) {
      const error = body && 'error' in body ? body.error : undefined
      const why = error ? `${error.code}: ${error.message}` : `HTTP ${res.status}`
      throw Object.assign(
        new Error(
          `The import stopped in the part starting at line ${linesBefore + 1} (${why}). Lines before it are imported; running the import again is safe.`,
        ),
        { totals },
      )
    }
    totals.created += body.created
    totals.updated += body.updated
    totals.skipped += body.skipped
    totals.errorCount += body.errorCount
    for (const e of body.errors) o.onError({ ...e, line: e.line + linesBefore })
    if (body.errorCount > body.errors.length)
      o.onError({
        line: linesBefore + 1,
        code: 'errors_truncated',
        message: `${body.errorCount - body.errors.length} more errors in the part starting here`,
      })
    linesBefore += lines
  }
  return totals
}
