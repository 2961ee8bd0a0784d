// How errors from the database are classified: retryable rollbacks and unstorable text are not bugs.
import { describe, expect, it } from 'vitest'
import { toAppError } from '../../service/http/errors'

describe('a transaction PostgreSQL rolled back', () => {
  it('answers 503 database_unavailable with Retry-After for a deadlock, not a 500', async () => {
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' })
    const wrapped = new Error('Failed query: update users …', { cause: deadlock })
    const error = toAppError(wrapped)
    expect([error?.code, error?.status, error?.retryAfter]).toEqual([
      'database_unavailable',
      503,
      1,
    ])
  })
})

describe('text PostgreSQL cannot store', () => {
  it('is 400 invalid_request, found through the wrapped cause', () => {
    const nul = Object.assign(new Error('invalid byte sequence'), { code: '22021' })
    const error = toAppError(new Error('Failed query', { cause: nul }))
    expect([error?.code, error?.status]).toEqual(['invalid_request', 400])
  })

  it('leaves an unknown error unclassified, for the 500 path', () => {
    expect(toAppError(new Error('something else'))).toBeUndefined()
  })
})
