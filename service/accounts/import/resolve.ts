// Which account each import line lands on, decided in memory over what the database holds (lookup.ts) and
// what the earlier lines of the batch did: by externalId, else phone, else an identity (appid + openid),
// else a unionid (the person in another Mini Program of the developer account). Keys that lead to
// different accounts are a conflict: the line is reported and changes nothing.
import type { LineError } from './line'
import type { FoundIdentity, FoundUser } from './lookup'

export interface UserState extends FoundUser {
  isNew: boolean
  dirty: boolean
  /** The phone as the database holds it, when a line changed it. */
  phoneBefore: string | null
}
export interface IdentityState extends FoundIdentity {
  connection?: string
  isNew: boolean
  unionDirty: boolean
}

/** A line with its connections already turned into appids. */
export interface ResolvedLine {
  line: number
  externalId?: string
  phone?: string
  profile: Partial<Pick<FoundUser, 'nickname' | 'avatar' | 'gender'>>
  identities: { connection: string; appid: string; openid: string; unionid?: string }[]
}

export type Outcome = 'created' | 'updated' | 'skipped'

const identityKey = (appid: string, openid: string) => `${appid}\n${openid}`

/** The batch's view of the accounts: the database's rows, then every line's changes in file order. */
export class BatchState {
  readonly users = new Map<string, UserState>()
  readonly identities = new Map<string, IdentityState>()
  private byExternal = new Map<string, string>()
  private byPhone = new Map<string, string>()
  private byUnion = new Map<string, Set<string>>()

  constructor(
    found: { users: FoundUser[]; identities: FoundIdentity[] },
    private randomId: () => string,
  ) {
    for (const u of found.users)
      this.addUser({ ...u, isNew: false, dirty: false, phoneBefore: u.phone })
    for (const i of found.identities) this.addIdentity({ ...i, isNew: false, unionDirty: false })
  }

  private addUser(u: UserState) {
    this.users.set(u.id, u)
    if (u.externalId !== null) this.byExternal.set(u.externalId, u.id)
    if (u.phone !== null) this.byPhone.set(u.phone, u.id)
  }

  private addIdentity(i: IdentityState) {
    this.identities.set(identityKey(i.appid, i.openid), i)
    if (i.unionid !== null)
      this.byUnion.set(i.unionid, (this.byUnion.get(i.unionid) ?? new Set()).add(i.userId))
  }

  /** Applies one line to the state: what it did to its account, or why it did nothing. */
  apply(l: ResolvedLine): Outcome | LineError {
    const matches: { key: string; userId: string }[] = []
    const problems: string[] = []
    const match = (key: string, userId: string | undefined) => {
      if (userId !== undefined) matches.push({ key, userId })
    }
    if (l.externalId !== undefined) match('externalId', this.byExternal.get(l.externalId))
    if (l.phone !== undefined) match('phone', this.byPhone.get(l.phone))
    l.identities.forEach((i, n) => {
      const known = this.identities.get(identityKey(i.appid, i.openid))
      match(`identities[${n}].openid`, known?.userId)
      if (known && i.unionid && known.unionid && known.unionid !== i.unionid)
        problems.push(`identities[${n}]: this openid has another unionid on record`)
      for (const id of i.unionid ? (this.byUnion.get(i.unionid) ?? []) : [])
        match(`identities[${n}].unionid`, id)
    })
    const owners = [...new Set(matches.map((m) => m.userId))]
    if (owners.length > 1)
      problems.unshift(...matches.map((m) => `${m.key} matches user ${m.userId}`))
    const existing = owners.length === 1 ? this.users.get(owners[0]!) : undefined
    if (
      existing &&
      l.externalId !== undefined &&
      existing.externalId !== null &&
      existing.externalId !== l.externalId
    )
      problems.push(`user ${existing.id} has another externalId`)
    if (problems.length > 0)
      return {
        line: l.line,
        code: 'import_conflict',
        message: `Nothing written: ${problems.join('; ')}.`.slice(0, 300),
      }
    const user = existing ?? this.createUser()
    let changed = false
    const set = <K extends 'externalId' | 'phone' | 'nickname' | 'avatar' | 'gender'>(
      key: K,
      value: UserState[K] | undefined,
    ) => {
      if (value === undefined || user[key] === value) return
      if (key === 'phone' && user.phone !== null) this.byPhone.delete(user.phone)
      user[key] = value
      changed = user.dirty = true
    }
    set('externalId', l.externalId)
    set('phone', l.phone)
    set('nickname', l.profile.nickname)
    set('avatar', l.profile.avatar)
    set('gender', l.profile.gender)
    if (user.externalId !== null) this.byExternal.set(user.externalId, user.id)
    if (user.phone !== null) this.byPhone.set(user.phone, user.id)
    for (const i of l.identities) {
      const known = this.identities.get(identityKey(i.appid, i.openid))
      if (!known) {
        const unionid = i.unionid ?? null
        this.addIdentity({
          id: this.randomId(),
          userId: user.id,
          ...i,
          unionid,
          isNew: true,
          unionDirty: false,
        })
        changed = true
      } else if (i.unionid && known.unionid === null) {
        known.unionid = i.unionid
        known.unionDirty = true
        this.byUnion.set(i.unionid, (this.byUnion.get(i.unionid) ?? new Set()).add(user.id))
        changed = true
      }
    }
    if (!existing) return 'created'
    return changed ? 'updated' : 'skipped'
  }

  /** Whether the lines changed anything to write. */
  hasWrites(): boolean {
    for (const u of this.users.values()) if (u.isNew || u.dirty) return true
    for (const i of this.identities.values()) if (i.isNew || i.unionDirty) return true
    return false
  }

  private createUser(): UserState {
    const u: UserState = {
      id: this.randomId(),
      externalId: null,
      phone: null,
      nickname: null,
      avatar: null,
      gender: 'unknown',
      isNew: true,
      dirty: false,
      phoneBefore: null,
    }
    this.addUser(u)
    return u
  }
}
