// Your own test, with no WeChat account: a simulated user logs in through the SDK, your backend verifies
// the access token against the JWKS, and a phone gets bound. Run: npx vitest run examples/testing
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { WechatLogin } from '../../client/src'
import {
  createWxShim,
  startSimulator,
  startTestService,
  type StartedSimulator,
  type TestService,
} from '../../testing'

const miniProgram = { appId: 'wx0123456789abcdef', secret: 'any-secret-the-simulator-knows' }
let wechat: StartedSimulator
let auth: TestService

beforeAll(async () => {
  wechat = await startSimulator({ apps: [miniProgram] })
  auth = await startTestService({
    wechatApiBaseUrl: wechat.url,
    connections: [{ id: 'shop', appId: miniProgram.appId, appSecret: miniProgram.secret }],
  })
})
afterAll(async () => {
  await auth.close()
  await wechat.close()
})

it('logs a simulated WeChat user in, verifies the token like a backend, and binds a phone', async () => {
  const phone = createWxShim({ simUrl: wechat.url, appId: miniProgram.appId, user: 'alice' })
  const sdk = new WechatLogin({ endpoint: auth.url, connection: 'shop', wx: phone.wx })

  const { accessToken, user } = await sdk.loginByCode()

  const jwks = createRemoteJWKSet(new URL(`${auth.url}/.well-known/jwks.json`))
  const { payload } = await jwtVerify(accessToken, jwks, {
    issuer: auth.url,
    audience: miniProgram.appId,
    algorithms: ['ES256'],
  })
  expect(payload.sub).toBe(user.id)

  // What the getPhoneNumber button would hand the page: a single-use code from the simulator.
  const res = await fetch(`${wechat.url}/__sim/phone-codes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appId: miniProgram.appId, phoneNumber: '13800138000' }),
  })
  const { code } = (await res.json()) as { code: string }
  expect((await sdk.bindPhone(code)).phone).toBe('+8613800138000')
})
