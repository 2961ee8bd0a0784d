// One batch of import lines in one transaction, in the lock order of db/locks.ts: the phones' advisory locks,
// then the persons', then the users rows (in id order), then identities. A first login racing the import
// either waits on those locks or wins the (appid, openid) unique index, and the batch's retry then finds its
// account: a person never ends up with two. A batch that keeps failing is retried line by line, so one
// line's trouble (a phone handed between two lines of one batch, text the database refuses) costs only it.
import { hasErrorCode, isUniqueViolation, toAppError } from '../../db/errors'
import { personLockKey } from '../../db/locks'
import type { Deps } from '../../deps'
import type { ImportUser, LineError } from './line'
import type { Db } from '../../db/client'
import { findIdentities, findUsers, lockKeys, type BatchKeys } from './lookup'
import { BatchState, type Outcome, type ResolvedLine } from './resolve'
import { writeBatch } from './write'

export type ImportDeps = Pick<
  Deps,
  'db' | 'config' | 'now' | 'randomId' | 'logger' | 'sessionCache'
>

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
  // A first pass over the rows as they are, without locks: a batch with nothing to write (a rerun) ends
  // here, and one with writes learns which phones and persons it will touch, to lock just those.
  const planned = new BatchState(await find(deps.db, keys, false), deps.randomId)
  const planOutcomes = lines.map((l) => planned.apply(l))
  const plan = lockPlan(planned)
  if (plan.phones.size === 0 && plan.persons.size === 0 && !planned.hasWrites()) return planOutcomes
  const now = deps.now()
  return deps.db.transaction(async (tx) => {
    await lockKeys(
      tx,
      [...plan.phones].map((p) => `phone:${p}`),
    )
    await lockKeys(tx, [...plan.persons])
    const state = new BatchState(await find(tx, keys, true), deps.randomId)
    const outcomes = lines.map((l) => state.apply(l))
    // Rows changed between the two passes so that this one writes a phone or links a person it did not
    // lock: start again from what is there now.
    const need = lockPlan(state)
    if ([...need.phones].some((p) => !plan.phones.has(p))) throw new StaleRead()
    if ([...need.persons].some((k) => !plan.persons.has(k))) throw new StaleRead()
    await writeBatch(tx, state, now)
    return outcomes
  })
}

/** The users and identities the batch's keys lead to; `lock`: the users rows locked, in id order. */
async function find(db: Db, keys: BatchKeys, lock: boolean) {
  const identities = await findIdentities(db, keys)
  const users = await findUsers(
    db,
    keys,
    identities.map((i) => i.userId),
    lock,
  )
  // An identity whose user was deleted after it was read: the batch starts again.
  const found = new Set(users.map((u) => u.id))
  if (lock && identities.some((i) => !found.has(i.userId))) throw new StaleRead()
  return { users, identities }
}

/**
 * The advisory locks a batch's writes need (db/locks.ts): every phone it gives or takes away, and the
 * person (`u:<unionid>`) of every identity it adds or gives a unionid, which a first login in another Mini
 * Program of the developer account locks before looking for that person.
 */
function lockPlan(state: BatchState) {
  const phones = new Set<string>()
  for (const u of state.users.values())
    for (const p of [u.phone, u.phoneBefore]) if (u.dirty && p) phones.add(p)
  const persons = new Set<string>()
  for (const i of state.identities.values())
    if ((i.isNew || i.unionDirty) && i.unionid !== null)
      persons.add(personLockKey(i.appid, { openid: i.openid, unionid: i.unionid }))
  return { phones, persons }
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
