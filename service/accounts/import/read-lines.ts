// Splits a byte stream into numbered lines without holding more than one line: a line longer than the limit
// is reported and skipped unread, and the stream as a whole may be capped. Bounded memory for any file size.
import { AppError } from '../../errors'

export interface RawLine {
  /** 1-based, counting every line of the stream, blank ones included. */
  number: number
  /** The line without its `\n` (or `\r\n`); absent when it was too long or not UTF-8. */
  text?: string
  problem?: 'too_long' | 'not_utf8'
}

export interface ReadLinesOptions {
  maxLineBytes: number
  /** Past this many bytes the stream is refused with 413 payload_too_large. */
  maxBytes: number
}

export async function* readLines(
  body: AsyncIterable<Uint8Array>,
  o: ReadLinesOptions,
): AsyncGenerator<RawLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let parts: Uint8Array[] = []
  let length = 0
  let tooLong = false
  let number = 0
  let total = 0
  const finish = (): RawLine => {
    number++
    if (tooLong) return { number, problem: 'too_long' }
    const bytes = Buffer.concat(parts, length)
    try {
      const text = decoder.decode(bytes)
      return { number, text: text.endsWith('\r') ? text.slice(0, -1) : text }
    } catch {
      return { number, problem: 'not_utf8' }
    } finally {
      parts = []
      length = 0
    }
  }
  for await (const chunk of body) {
    total += chunk.length
    if (total > o.maxBytes)
      throw new AppError(
        'payload_too_large',
        `An import request is at most ${o.maxBytes / 1024 / 1024} MiB; send the file in parts (npm run import does).`,
      )
    let start = 0
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      keep(chunk.subarray(start, nl))
      yield finish()
      tooLong = false
      start = nl + 1
    }
    keep(chunk.subarray(start))
  }
  if (length > 0 || tooLong) yield finish()

  function keep(piece: Uint8Array) {
    if (tooLong || piece.length === 0) return
    if (length + piece.length > o.maxLineBytes) {
      tooLong = true
      parts = []
      length = 0
      return
    }
    // A copy: the chunk's buffer may be reused by the stream once we yield.
    parts.push(Uint8Array.from(piece))
    length += piece.length
  }
}
