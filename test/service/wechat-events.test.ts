// WeChat's authorization-change pushes, sent by the simulator over HTTP exactly as WeChat would: the URL
// handshake, plain and safe mode, JSON and XML, each event's effect, replays, and refusals that change nothing.
import { createHash } from 'node:crypto'
import { and, asc, eq } from 'drizzle-orm'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  auditEvents,
  refreshTokens,
  sessions,
  users,
  wechatIdentities,
  wechatPushEvents,
} from '../../service/db/schema'
import { pruneExpired } from '../../service/maintenance'
import { APP_A, APP_B, APP_SOLO, createTestApp, type TestApp } from '../helpers/test-app'

/** shop takes safe-mode pushes, mall plain ones, solo none. */
const SAFE = {
  token: 'shopPushToken2024',
  encodingAesKey: 'OBvEeOl3dHCaRGYDFzEXGISgiYKZr0ZN4KybcHLoAZY',
}
const PLAIN = { token: 'mallPushToken2024' }

let t: TestApp
beforeAll(async () => {
  t = await createTestApp({
    connections: [
      { ...APP_A, openPlatform: 'dev', pushToken: SAFE.token, encodingAesKey: SAFE.encodingAesKey },
      { ...APP_B, openPlatform: 'dev', pushToken: PLAIN.token },
      APP_SOLO,
    ],
  })
})
afterAll(() => t.close())

const urlOf = (connection: string) => `${t.url}/v1/connections/${connection}/wechat/events`

type Mode = 'safe' | 'plain'
type Format = 'json' | 'xml'

/** The simulator pushes `event` about `user` to shop (safe) or mall (plain); answers every attempt. */
async function push(
  event: string,
  user: string,
  o: {
    mode?: Mode
    format?: Format
    revokeInfo?: string
    createTime?: number
    token?: string
    appId?: string
    retries?: number
  } = {},
) {
  const mode = o.mode ?? 'safe'
  const connection = mode === 'safe' ? APP_A : APP_B
  return t.simControl('/message-push', {
    url: urlOf(connection.id),
    token: o.token ?? (mode === 'safe' ? SAFE.token : PLAIN.token),
    ...(mode === 'safe' ? { encodingAesKey: SAFE.encodingAesKey } : {}),
    mode,
    format: o.format ?? 'json',
    appId: o.appId ?? connection.appId,
    event,
    user,
    retries: o.retries ?? 0,
    ...(o.revokeInfo === undefined ? {} : { revokeInfo: o.revokeInfo }),
    ...(o.createTime === undefined ? {} : { createTime: o.createTime }),
  })
}

/** A person with an account in both Mini Programs, a phone, a nickname and an avatar. */
async function person(name: string, phone: string) {
  const login = await t.phoneLogin(name, phone, 'shop')
  await t.login(name, 'mall')
  const profile = { nickname: `Nick ${name}`, avatar: `https://img.example.com/${name}.png` }
  const res = await t.request('PATCH', '/v1/me', profile, t.bearer(login.json.accessToken))
  expect(res.status).toBe(200)
  return { id: login.json.user.id as string, accessToken: login.json.accessToken as string }
}

const userRow = async (id: string) => (await t.db.select().from(users).where(eq(users.id, id)))[0]

/** Every account table, in a stable order: what a refused push must leave exactly as it was. */
async function accountTables() {
  return {
    users: await t.db.select().from(users).orderBy(asc(users.id)),
    identities: await t.db.select().from(wechatIdentities).orderBy(asc(wechatIdentities.id)),
    sessions: await t.db.select().from(sessions).orderBy(asc(sessions.id)),
    refreshTokens: await t.db.select().from(refreshTokens).orderBy(asc(refreshTokens.tokenHash)),
  }
}

const pushAudits = (userId: string) =>
  t.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.type, 'wechat.push'), eq(auditEvents.userId, userId)))

describe('the URL handshake', () => {
  it("echoes echostr to WeChat's console when the signature is the pushToken's", async () => {
    for (const [connection, token] of [
      ['shop', SAFE.token],
      ['mall', PLAIN.token],
    ] as const) {
      const check = await t.simControl('/message-push/verify', { url: urlOf(connection), token })
      expect(check).toMatchObject({ verified: true, status: 200 })
    }
  })

  it('refuses a handshake signed with another token, echoing nothing', async () => {
    const check = await t.simControl('/message-push/verify', {
      url: urlOf('shop'),
      token: 'someoneElsesToken',
    })
    expect(check.verified).toBe(false)
    expect(check.status).toBe(401)
    expect(JSON.parse(check.body).error.code).toBe('wechat_push_signature_invalid')
    expect(check.body).not.toContain(check.echostr)
  })

  it('answers 404 wechat_push_disabled on a connection without a pushToken', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await t.request(method, '/v1/connections/solo/wechat/events?signature=x')
      expect(res.status).toBe(404)
      expect(res.json.error.code).toBe('wechat_push_disabled')
    }
    const unknown = await t.request('GET', '/v1/connections/nope/wechat/events')
    expect(unknown.json.error.code).toBe('connection_not_found')
  })
})

describe('user_info_modified', () => {
  const modes: [Mode, Format][] = [
    ['safe', 'json'],
    ['safe', 'xml'],
    ['plain', 'json'],
    ['plain', 'xml'],
  ]
  it.each(modes)('clears the nickname and avatar (%s mode, %s)', async (mode, format) => {
    const p = await person(
      `mod-${mode}-${format}`,
      `1330000${mode === 'safe' ? 1 : 2}00${format === 'json' ? 1 : 2}`,
    )
    const before = await userRow(p.id)
    t.clock.advance(1)
    const res = await push('user_info_modified', `mod-${mode}-${format}`, { mode, format })
    expect(res.delivered).toBe(true)
    expect(res.attempts).toEqual([{ status: 200, body: 'success' }])
    const after = await userRow(p.id)
    expect(after).toMatchObject({ nickname: null, avatar: null, phone: before!.phone })
    expect(after!.updatedAt.getTime()).toBeGreaterThan(before!.updatedAt.getTime())
    const [audit] = await pushAudits(p.id)
    expect(audit).toMatchObject({
      connection: mode === 'safe' ? 'shop' : 'mall',
      detail: { event: 'user_info_modified', outcome: 'cleared', cleared: ['nickname', 'avatar'] },
    })
    const [updated] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.type, 'user.updated'), eq(auditEvents.userId, p.id)))
    expect(updated!.detail).toMatchObject({ by: 'wechat', cleared: ['nickname', 'avatar'] })
    // The person still logs in and keeps their account.
    const me = await t.request('GET', '/v1/me', undefined, t.bearer(p.accessToken))
    expect(me.json.user).toMatchObject({ id: p.id, nickname: null, avatar: null })
  })
})

describe('user_authorization_revoke', () => {
  it.each([
    ['8', { phone: null }, ['phone']],
    ['6', { nickname: null, avatar: null }, ['nickname', 'avatar']],
    ['19', { nickname: null }, ['nickname']],
    ['20', { avatar: null }, ['avatar']],
  ])('RevokeInfo %s clears exactly %o', async (code, cleared, names) => {
    const name = `rev-${code}`
    const p = await person(name, `13311100${code.padStart(3, '0')}`)
    const before = await userRow(p.id)
    const res = await push('user_authorization_revoke', name, { revokeInfo: code })
    expect(res.delivered).toBe(true)
    expect(await userRow(p.id)).toEqual({
      ...before,
      ...cleared,
      updatedAt: expect.any(Date),
    })
    const [audit] = await pushAudits(p.id)
    expect(audit!.detail).toEqual({
      event: 'user_authorization_revoke',
      revokeInfo: [code],
      outcome: 'cleared',
      cleared: names,
    })
  })

  it('frees a revoked phone: the next phone login with it binds it again', async () => {
    const p = await person('rev-again', '13311100999')
    await push('user_authorization_revoke', 'rev-again', { revokeInfo: '8', format: 'xml' })
    expect((await userRow(p.id))!.phone).toBeNull()
    const again = await t.phoneLogin('rev-again', '13311100999', 'shop')
    expect(again.json.user).toMatchObject({ id: p.id, phone: '+8613311100999' })
  })

  it('changes nothing for data the service does not keep (2: an address), and audits that', async () => {
    const p = await person('rev-addr', '13311100200')
    const before = await accountTables()
    const res = await push('user_authorization_revoke', 'rev-addr', {
      revokeInfo: '2',
      mode: 'plain',
      format: 'xml',
    })
    expect(res.delivered).toBe(true)
    expect(await accountTables()).toEqual(before)
    const [audit] = await pushAudits(p.id)
    expect(audit!.detail).toMatchObject({ outcome: 'nothing_to_clear', revokeInfo: ['2'] })
  })
})

describe('user_authorization_cancellation', () => {
  it('deletes the account as DELETE /v1/me does: identities, sessions and tokens go', async () => {
    const p = await person('cancel-ada', '13322200001')
    const mall = await t.login('cancel-ada', 'mall')
    const res = await push('user_authorization_cancellation', 'cancel-ada', { format: 'xml' })
    expect(res.delivered).toBe(true)
    expect(await userRow(p.id)).toBeUndefined()
    expect(
      await t.db.select().from(wechatIdentities).where(eq(wechatIdentities.userId, p.id)),
    ).toEqual([])
    expect(await t.db.select().from(sessions).where(eq(sessions.userId, p.id))).toEqual([])
    for (const token of [p.accessToken, mall.json.accessToken]) {
      const me = await t.request('GET', '/v1/me', undefined, t.bearer(token))
      expect(me.status).toBe(401)
    }
    const deleted = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.type, 'user.deleted'), eq(auditEvents.userId, p.id)))
    expect(deleted).toMatchObject([{ connection: 'shop', detail: { by: 'wechat' } }])
    expect((await pushAudits(p.id))[0]!.detail).toMatchObject({ outcome: 'deleted' })
    // Nothing personal stays behind in the audit log.
    const trail = JSON.stringify(
      await t.db.select().from(auditEvents).where(eq(auditEvents.userId, p.id)),
    )
    expect(trail).not.toContain('13322200001')
    expect(trail).not.toContain('Nick cancel-ada')
    expect(trail).not.toContain(res.message.OpenID)
  })
})

describe('idempotence', () => {
  it('changes nothing when WeChat repeats a push (same OpenID, CreateTime and Event)', async () => {
    const p = await person('replay-bo', '13333300001')
    const createTime = Math.floor(t.clock.now().getTime() / 1000)
    const first = await push('user_info_modified', 'replay-bo', { createTime })
    expect(first.delivered).toBe(true)
    // The person sets a new nickname; a replay of the old push must not clear it.
    await t.request('PATCH', '/v1/me', { nickname: 'Bo again' }, t.bearer(p.accessToken))
    const before = await accountTables()
    const audits = (await t.db.select().from(auditEvents)).length
    const replay = await push('user_info_modified', 'replay-bo', {
      createTime,
      mode: 'safe',
      format: 'xml',
    })
    expect(replay.attempts).toEqual([{ status: 200, body: 'success' }])
    expect(await accountTables()).toEqual(before)
    expect((await t.db.select().from(auditEvents)).length).toBe(audits)
    expect((await userRow(p.id))!.nickname).toBe('Bo again')
    // A later push (another CreateTime) is a new one.
    await push('user_info_modified', 'replay-bo', { createTime: createTime + 60 })
    expect((await userRow(p.id))!.nickname).toBeNull()
  })

  it('acts once on two copies of a push arriving together', async () => {
    const p = await person('replay-cy', '13333300002')
    const createTime = Math.floor(t.clock.now().getTime() / 1000)
    const both = await Promise.all([
      push('user_authorization_cancellation', 'replay-cy', { createTime }),
      push('user_authorization_cancellation', 'replay-cy', { createTime }),
    ])
    expect(both.map((r) => r.delivered)).toEqual([true, true])
    expect(await userRow(p.id)).toBeUndefined()
    expect(await pushAudits(p.id)).toHaveLength(1)
  })
})

describe('housekeeping', () => {
  it('prunes the dedupe rows a week after their push', async () => {
    await person('pruned-hu', '13355500001')
    await push('user_info_modified', 'pruned-hu')
    const rows = async () => (await t.db.select().from(wechatPushEvents)).length
    expect(await rows()).toBeGreaterThan(0)
    expect((await pruneExpired(t.deps)).wechatPushEvents).toBe(0)
    t.clock.advance(8 * 86400)
    try {
      const pruned = await pruneExpired(t.deps)
      expect(pruned.wechatPushEvents).toBeGreaterThan(0)
      expect(await rows()).toBe(0)
    } finally {
      t.clock.advance(-8 * 86400)
    }
  })
})

describe('refused pushes change nothing', () => {
  it('refuses a push signed with another token, through all of WeChat’s retries', async () => {
    const p = await person('forged-di', '13344400001')
    for (const mode of ['safe', 'plain'] as const) {
      const before = await accountTables()
      const res = await push('user_authorization_cancellation', 'forged-di', {
        mode,
        token: 'notTheRealToken',
        retries: 3,
      })
      expect(res.delivered).toBe(false)
      expect(res.attempts).toHaveLength(4)
      for (const a of res.attempts) {
        expect(a.status).toBe(401)
        expect(JSON.parse(a.body).error.code).toBe('wechat_push_signature_invalid')
      }
      expect(await accountTables()).toEqual(before)
    }
    expect(await pushAudits(p.id)).toEqual([])
  })

  it('refuses a push for another AppID (the safe-mode trailer, or the body in plain mode)', async () => {
    await person('foreign-ed', '13344400002')
    const before = await accountTables()
    for (const mode of ['safe', 'plain'] as const) {
      const res = await push('user_authorization_cancellation', 'foreign-ed', {
        mode,
        appId: mode === 'safe' ? APP_B.appId : APP_A.appId,
      })
      expect(res.attempts[0].status).toBe(403)
      expect(JSON.parse(res.attempts[0].body).error.code).toBe('wechat_push_wrong_app')
    }
    expect(await accountTables()).toEqual(before)
  })

  it('refuses an unencrypted push to a connection set up for safe mode', async () => {
    await person('plain-fi', '13344400003')
    const before = await accountTables()
    const res = await t.simControl('/message-push', {
      url: urlOf('shop'),
      token: SAFE.token,
      mode: 'plain',
      format: 'json',
      appId: APP_A.appId,
      event: 'user_authorization_cancellation',
      user: 'plain-fi',
      retries: 0,
    })
    expect(res.attempts[0].status).toBe(400)
    expect(JSON.parse(res.attempts[0].body).error.code).toBe('wechat_push_encryption_required')
    expect(await accountTables()).toEqual(before)
  })

  it('refuses an encrypted push to a plain-mode connection, after its signature', async () => {
    await person('safe-gu', '13344400004')
    const before = await accountTables()
    const codes = []
    for (const token of [PLAIN.token, 'notTheRealToken']) {
      const res = await t.simControl('/message-push', {
        url: urlOf('mall'),
        token,
        encodingAesKey: SAFE.encodingAesKey,
        mode: 'safe',
        appId: APP_B.appId,
        event: 'user_authorization_cancellation',
        user: 'safe-gu',
        retries: 0,
      })
      codes.push(`${res.attempts[0].status} ${JSON.parse(res.attempts[0].body).error.code}`)
    }
    // Without the token, a caller cannot tell how the connection is set up.
    expect(codes).toEqual(['400 wechat_push_invalid', '401 wechat_push_signature_invalid'])
    expect(await accountTables()).toEqual(before)
  })

  it('refuses XML with a DTD or entities, and bodies that are no message, with 400 wechat_push_invalid', async () => {
    const before = await accountTables()
    const url = `/v1/connections/mall/wechat/events?${signedQuery(PLAIN.token)}`
    const bodies = [
      '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Event>&x;</Event></xml>',
      '<xml><MsgType>event</MsgType><Event>&x;</Event></xml>',
      '<xml><MsgType a="1">event</MsgType></xml>',
      '<xml><Event><![CDATA[user_info_modified]]></Event><Event>again</Event></xml>',
      '<xml><MsgType>event</MsgType><Event>user_info_modified</Event><CreateTime>soon</CreateTime><OpenID>o1</OpenID></xml>',
      '{"MsgType":"event","Event":"user_authorization_cancellation","CreateTime":1}',
      '{"MsgType":"event","Event":"user_authorization_cancellation","OpenID":"o1"}',
      '{"MsgType":"event","Event":"user_info_modified","OpenID":"o1","CreateTime":-5}',
      '{"MsgType":"event","Event":"user_info_modified","OpenID":"o1","CreateTime":1.5}',
      '[1,2]',
      'success',
    ]
    for (const body of bodies) {
      const res = await t.request('POST', url, body, { 'content-type': 'text/xml' })
      expect(res.status, body).toBe(400)
      expect(res.json.error.code, body).toBe('wechat_push_invalid')
    }
    expect(await accountTables()).toEqual(before)
  })
})

/** The query of a push signed with `token` (and, given `encrypt`, a msg_signature over it). */
function signedQuery(token: string, encrypt?: string) {
  const sha1 = (parts: string[]) => createHash('sha1').update(parts.sort().join('')).digest('hex')
  const [timestamp, nonce] = ['1700000000', '12345']
  const query = new URLSearchParams({
    signature: sha1([token, timestamp, nonce]),
    timestamp,
    nonce,
  })
  if (encrypt !== undefined) {
    query.set('encrypt_type', 'aes')
    query.set('msg_signature', sha1([token, timestamp, nonce, encrypt]))
  }
  return query
}

describe('property: a correctly signed push with any body never gets a 5xx and changes no account', () => {
  const field = fc.constantFrom(
    'ToUserName',
    'MsgType',
    'Event',
    'CreateTime',
    'OpenID',
    'AppID',
    'RevokeInfo',
    'Encrypt',
  )
  const text = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      'event',
      'user_info_modified',
      'user_authorization_cancellation',
      '8',
      '-1',
      '1e99',
    ),
  )
  const xml = fc
    .array(fc.tuple(field, text, fc.boolean()), { maxLength: 8 })
    .map(
      (fs) =>
        `<xml>${fs.map(([k, v, cdata]) => `<${k}>${cdata ? `<![CDATA[${v}]]>` : v}</${k}>`).join('')}</xml>`,
    )
  const json = fc
    .dictionary(field, fc.oneof(text, fc.integer(), fc.jsonValue()), { maxKeys: 8 })
    .map((v) => JSON.stringify(v))
  const body = fc.oneof(xml, json, fc.string({ maxLength: 200 }))

  it('in plain and in safe mode', async () => {
    const before = await accountTables()
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.boolean(),
        fc.base64String({ maxLength: 96 }),
        async (raw, safe, enc) => {
          const query = safe ? signedQuery(SAFE.token, enc) : signedQuery(PLAIN.token)
          const outer = safe ? JSON.stringify({ ToUserName: 'gh_x', Encrypt: enc }) : raw
          const res = await fetch(`${urlOf(safe ? 'shop' : 'mall')}?${query}`, {
            method: 'POST',
            body: outer,
          })
          const answer = await res.text()
          expect(res.status, `${res.status} ${answer.slice(0, 200)}`).toBeLessThan(500)
          if (res.status >= 400)
            expect(JSON.parse(answer).error.code).toMatch(/^wechat_push_[a-z_]+$/)
        },
      ),
      { numRuns: 60, seed: Number(process.env.FUZZ_SEED ?? 20261207) },
    )
    expect(await accountTables()).toEqual(before)
  })
})

describe('pushes about nobody we know, and other messages', () => {
  it('answers success to a push about an unknown openid, changes nothing and audits it without the openid', async () => {
    const unknown = async () =>
      (
        await t.db
          .select()
          .from(auditEvents)
          .where(eq(auditEvents.type, 'wechat.push'))
          .orderBy(asc(auditEvents.id))
      ).filter((r) => r.detail?.outcome === 'unknown_openid')
    const before = { tables: await accountTables(), audits: await unknown() }
    const res = await push('user_authorization_cancellation', 'never-logged-in', { format: 'xml' })
    expect(res.attempts).toEqual([{ status: 200, body: 'success' }])
    expect(await accountTables()).toEqual(before.tables)
    const added = (await unknown()).slice(before.audits.length)
    expect(added).toHaveLength(1)
    expect(added[0]).toMatchObject({ userId: null, connection: 'shop' })
    expect(JSON.stringify(added)).not.toContain(res.message.OpenID)
  })

  it('answers success to other events on the same URL and leaves them alone', async () => {
    const before = await accountTables()
    const audits = (await t.db.select().from(auditEvents)).length
    const res = await push('debug_demo', 'someone', { mode: 'plain', format: 'xml' })
    expect(res.delivered).toBe(true)
    expect(await accountTables()).toEqual(before)
    expect((await t.db.select().from(auditEvents)).length).toBe(audits)
  })
})
