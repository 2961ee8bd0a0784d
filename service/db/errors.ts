// Reading a database error's code: drizzle wraps the driver's error, so the SQLSTATE (or postgres.js's
// connection code) is somewhere down the cause chain.
export function hasErrorCode(err: unknown, codes: ReadonlySet<string>): boolean {
  for (let e = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && codes.has(code)) return true
    e = (e as { cause?: unknown }).cause
  }
  return false
}

const uniqueViolationCode = new Set(['23505'])

/** Another writer inserted the same key first (unique_violation). */
export const isUniqueViolation = (err: unknown) => hasErrorCode(err, uniqueViolationCode)
