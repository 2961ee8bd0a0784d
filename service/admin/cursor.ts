// Opaque page cursors: base64url JSON tagged with what they page through, so a cursor from one listing
// (or a hand-edited one) is refused as invalid_request rather than silently skipping rows.
import { AppError } from '../errors'

export const DEFAULT_LIMIT = 20
export const MAX_LIMIT = 100

/** The newest-first position of a user: created_at to the microsecond (as PostgreSQL keeps it) and id. */
export interface UserCursor {
  at: string
  id: string
}

const isoMicros = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

function decode(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
}

const invalid = () =>
  new AppError('invalid_request', 'cursor: is not a cursor this listing returned', {
    details: { field: 'cursor' },
  })

export const encodeUserCursor = (c: UserCursor) => encode(['users', c.at, c.id])

export function decodeUserCursor(cursor: string): UserCursor {
  const v = decode(cursor)
  if (
    !Array.isArray(v) ||
    v.length !== 3 ||
    v[0] !== 'users' ||
    typeof v[1] !== 'string' ||
    !isoMicros.test(v[1]) ||
    typeof v[2] !== 'string' ||
    v[2].length === 0 ||
    v[2].length > 64
  )
    throw invalid()
  return { at: v[1], id: v[2] }
}

/** A listing paged by a growing integer (an id, a sequence), its cursor tagged with what it lists. */
function integerCursor(tag: string) {
  return {
    encode: (n: number) => encode([tag, n]),
    decode(cursor: string): number {
      const v = decode(cursor)
      if (!Array.isArray(v) || v.length !== 2 || v[0] !== tag || !Number.isSafeInteger(v[1]))
        throw invalid()
      return v[1] as number
    },
  }
}

export const { encode: encodeAuditCursor, decode: decodeAuditCursor } = integerCursor('audit')
export const { encode: encodeDeliveryCursor, decode: decodeDeliveryCursor } =
  integerCursor('webhook')

/** The page of `rows` (fetched with one more than `limit`) and the cursor of the next page, if any. */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (last: T) => string) {
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return { page, nextCursor: rows.length > limit && last ? cursorOf(last) : null }
}
