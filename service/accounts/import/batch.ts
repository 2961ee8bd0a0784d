// One batch of import lines in one transaction, in the lock order of db/locks.ts: the phones' advisory locks,
// then the persons', then the users rows (in id order), then identities. A first login racing the import
// either waits on those locks or wins the (appid, openid) unique index, and the batch's retry then finds its
// account: a person never ends up with two. A batch that keeps failing is retried line by line, so one
// line's trouble (a phone handed between two lines of one batch, text the database refuses) costs only it.
import { hasErrorCode, isUniqueViolation, toAppError } from '../../db/errors'
import { personLockKey } from '../../db/locks'
import type { Deps } from '../../deps'
import type { ImportUser, LineError } from './line'
import { findIdentities, findUsers, lockKeys, type BatchKeys } from './lookup'
import { BatchState, type Outcome, type ResolvedLine } from './resolve'
import { writeBatch } from './write'

export type ImportDeps = Pick<Deps, 'db' | 'config' | 'now' | 'randomId' | 'logger'>

export interface BatchItem {
  line: number
  user: ImportUser
}

/** A row read before the locks changed before they were granted: the batch starts again. */
class StaleRead extends Error {}

const ATTEMPTS = 3
const retryable = (err: unknown) =>
  err instanceof StaleRead || isUniqueViolation(err) || hasErrorCode(err, new Set(['40P01']))

/** Each item's outcome, in order. */
export async function importBatch(
  deps: ImportDeps,
  items: BatchItem[],
): Promise<(Outcome | LineError)[]> {
  const results: (Outcome | LineError | undefined)[] = items.map(() => undefined)
  const lines: { index: number; line: ResolvedLine }[] = []
  items.forEach((item, index) => {
    const resolved = withAppIds(deps, item)
    if ('code' in resolved) results[index] = resolved
    else lines.push({ index, line: resolved })
  })
  const outcomes = await runLines(
    deps,
    lines.map((l) => l.line),
  )
  lines.forEach((l, k) => (results[l.index] = outcomes[k]))
  return results as (Outcome | LineError)[]
}

async function runLines(deps: ImportDeps, lines: ResolvedLine[]): Promise<(Outcome | LineError)[]> {
  if (lines.length === 0) return []
  let failure: unknown
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      return await attemptBatch(deps, lines)
    } catch (err) {
      if (!retryable(err) && !(lines.length === 1 && toAppError(err)?.code === 'invalid_request'))
        throw err
      failure = err
    }
  }
  if (lines.length > 1) {
    const each: (Outcome | LineError)[] = []
    for (const line of lines) each.push(...(await runLines(deps, [line])))
    return each
  }
  const known = toAppError(failure)
  return [
    {
      line: lines[0]!.line,
      code: known?.code === 'invalid_request' ? 'invalid_request' : 'import_conflict',
      message:
        known?.code === 'invalid_request'
          ? known.message
          : 'Nothing written: the account changed under this line on every attempt; run the import again.',
    },
  ]
}

async function attemptBatch(deps: ImportDeps, lines: ResolvedLine[]) {
  const keys = keysOf(lines)
  // The phones the batch may take or give up: its own, and those the accounts it matches hold now.
  const before = await findUsers(
    deps.db,
    keys,
    (await findIdentities(deps.db, keys)).map((i) => i.userId),
    false,
  )
  const phones = new Set([...keys.phones, ...before.flatMap((u) => (u.phone ? [u.phone] : []))])
  const persons = lines.flatMap((l) =>
    l.identities.flatMap((i) => [
      personLockKey(i.appid, { openid: i.openid }),
      ...(i.unionid ? [personLockKey(i.appid, i)] : []),
    ]),
  )
  const now = deps.now()
  return deps.db.transaction(async (tx) => {
    await lockKeys(
      tx,
      [...phones].map((p) => `phone:${p}`),
    )
    await lockKeys(tx, persons)
    const identities = await findIdentities(tx, keys)
    const users = await findUsers(
      tx,
      keys,
      identities.map((i) => i.userId),
      true,
    )
    const locked = new Set(users.map((u) => u.id))
    if (
      identities.some((i) => !locked.has(i.userId)) ||
      users.some((u) => u.phone !== null && !phones.has(u.phone))
    )
      throw new StaleRead()
    const state = new BatchState({ users, identities }, deps.randomId)
    const outcomes = lines.map((l) => state.apply(l))
    await writeBatch(tx, state, now)
    return outcomes
  })
}

function keysOf(lines: ResolvedLine[]): BatchKeys {
  const ids = lines.flatMap((l) => l.identities)
  return {
    externalIds: lines.flatMap((l) => (l.externalId === undefined ? [] : [l.externalId])),
    phones: lines.flatMap((l) => (l.phone === undefined ? [] : [l.phone])),
    appids: ids.map((i) => i.appid),
    openids: ids.map((i) => i.openid),
    unionids: ids.flatMap((i) => (i.unionid ? [i.unionid] : [])),
  }
}

/** The line with each identity's appid, or connection_not_found. */
function withAppIds(deps: ImportDeps, item: BatchItem): ResolvedLine | LineError {
  const { externalId, phone, nickname, avatar, gender } = item.user
  const identities: ResolvedLine['identities'] = []
  for (const [n, i] of item.user.identities.entries()) {
    const connection = deps.config.connections.find((c) => c.id === i.connection)
    if (!connection)
      return {
        line: item.line,
        code: 'connection_not_found',
        message: `identities[${n}].connection: there is no connection "${i.connection.slice(0, 40)}".`,
      }
    identities.push({ ...i, appid: connection.appId })
  }
  return { line: item.line, externalId, phone, profile: { nickname, avatar, gender }, identities }
}
