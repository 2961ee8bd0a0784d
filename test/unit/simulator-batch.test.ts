// The simulator's bulk code minting (POST /__sim/login-codes/batch), which the load benchmark relies on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { maxBatch } from '../../simulator/control-routes'
import { startSimulator, type StartedSimulator } from '../../simulator/server'

const shop = { appId: 'wx00000000000000a1', secret: 'a'.repeat(32), openPlatform: 'acme' }
const solo = { appId: 'wx00000000000000c3', secret: 'c'.repeat(32) }

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any

let sim: StartedSimulator

beforeAll(async () => {
  sim = await startSimulator({ apps: [shop, solo] })
})
afterAll(() => sim.close())

async function batch(body: unknown) {
  const res = await fetch(`${sim.url}/__sim/login-codes/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: res.status, json: (await res.json()) as Json }
}

async function redeem(app: { appId: string; secret: string }, code: string): Promise<Json> {
  const q = new URLSearchParams({ appid: app.appId, secret: app.secret, js_code: code })
  q.set('grant_type', 'authorization_code')
  return (await fetch(`${sim.url}/sns/jscode2session?${q}`)).json()
}

describe('POST /__sim/login-codes/batch', () => {
  it('mints one code per user, in order, each redeemable once as that user', async () => {
    const { status, json } = await batch({ appId: shop.appId, users: ['ann', 'bob', 'ann'] })
    expect(status).toBe(201)
    expect(json.codes).toHaveLength(3)
    const [ann1, bob, ann2] = json.codes
    expect(new Set(json.codes.map((c: Json) => c.code)).size).toBe(3)
    expect(ann1.openid).toBe(ann2.openid)
    expect(bob.openid).not.toBe(ann1.openid)
    expect(ann1.unionid).toBeTruthy()

    const first = await redeem(shop, ann1.code)
    expect(first).toMatchObject({ openid: ann1.openid, unionid: ann1.unionid })
    expect(first.session_key).toBe(ann1.sessionKey)
    expect((await redeem(shop, ann1.code)).errcode).toBe(40163)
    expect((await redeem(shop, bob.code)).openid).toBe(bob.openid)
  })

  it('gives no unionid for an app outside an Open Platform account', async () => {
    const { json } = await batch({ appId: solo.appId, users: ['cat'] })
    expect(json.codes[0].unionid).toBeUndefined()
    expect((await redeem(solo, json.codes[0].code)).openid).toBe(json.codes[0].openid)
  })

  it('matches the single-code endpoint for the same user', async () => {
    const one = await fetch(`${sim.url}/__sim/login-codes`, {
      method: 'POST',
      body: JSON.stringify({ appId: shop.appId, user: 'dan' }),
    }).then((r) => r.json() as Promise<Json>)
    const { json } = await batch({ appId: shop.appId, users: ['dan'] })
    expect(json.codes[0]).toMatchObject({ openid: one.openid, unionid: one.unionid })
  })

  it('refuses an unknown app, an empty list and an oversized one', async () => {
    expect((await batch({ appId: 'wx-nope', users: ['x'] })).status).toBe(404)
    expect((await batch({ appId: shop.appId, users: [] })).status).toBe(400)
    expect((await batch({ appId: shop.appId, users: [''] })).status).toBe(400)
    const tooMany = Array.from({ length: maxBatch + 1 }, (_, i) => `u${i}`)
    expect((await batch({ appId: shop.appId, users: tooMany })).status).toBe(400)
  })
})
