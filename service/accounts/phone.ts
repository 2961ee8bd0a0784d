// Phone numbers: reading one from WeChat (a phone code, or legacy encryptedData under the session_key), phone
// login and binding a phone to the signed-in user (the account rules are in phone-account.ts). Stored in E.164.
import { and, eq } from 'drizzle-orm'
import { recordAudit } from '../audit'
import type { Connection } from '../config'
import { wechatIdentities } from '../db/schema'
import { findConnection, type Deps } from '../deps'
import { AppError } from '../errors'
import type { SessionSource } from '../tokens/create-session'
import type { SessionContext } from '../tokens/sessions'
import { wechatApp, type WeChatSession } from '../wechat/client'
import { readLegacyPhone } from './legacy-phone'
import { auditFailure, issueTokens, loginSucceeded, type LoginResult } from './login'
import { bindToUser, phoneLoginAccount } from './phone-account'

export interface PhoneInput {
  connection: string
  /** wx.login code: needed to log in, and for the legacy form (its session_key decrypts the data). */
  code?: string
  phoneCode?: string
  encryptedData?: string
  iv?: string
}
export type PhoneLoginInput = SessionContext & PhoneInput & { source?: SessionSource }

export interface PhoneNumber {
  /** E.164, e.g. +8613800138000. */
  phone: string
  phoneNumber: string
  purePhoneNumber: string
  countryCode: string
}
export interface PhoneRead extends PhoneNumber {
  openid?: string
  unionid?: string
}

const invalid = (message: string) => new AppError('invalid_request', message)

interface FetchOptions {
  connection: Connection
  input: PhoneInput
  /** A login needs the wx.login code with either form; reading or binding needs it only with the legacy one. */
  requireCode: boolean
  /** The signed-in user's openid in this app, when binding: the phone code must be theirs. */
  owner?: string
}

/** Exactly one form: {phoneCode} or {encryptedData, iv}, the latter always with the code that decrypts it. */
function checkForm({ input, requireCode }: FetchOptions) {
  const legacy = input.encryptedData !== undefined || input.iv !== undefined
  if (input.phoneCode !== undefined && legacy)
    throw invalid('Send either phoneCode, or encryptedData and iv, not both.')
  if (input.phoneCode === undefined && !legacy)
    throw invalid('Send phoneCode (from getPhoneNumber), or encryptedData and iv.')
  if (legacy && (!input.encryptedData || !input.iv))
    throw invalid('encryptedData and iv go together.')
  if (!input.code && (requireCode || legacy))
    throw invalid(`code: required${legacy ? ' with encryptedData' : ''} (from wx.login).`)
}

/**
 * The number, and the WeChat session when a code came along. The phone code must be the person's whose
 * openid goes with it: the login code's, else `owner` (the signed-in user's identity in this app).
 */
async function fetchPhone(
  deps: Deps,
  options: FetchOptions,
): Promise<{ number: PhoneNumber; session?: WeChatSession }> {
  checkForm(options)
  const { connection, input, owner } = options
  if (input.phoneCode === undefined && !connection.legacyPhoneData)
    throw new AppError(
      'legacy_phone_data_disabled',
      'This connection takes phone numbers only as phoneCode (from the getPhoneNumber button), not encryptedData and iv.',
    )
  const app = wechatApp(connection)
  // The free login code first: when it fails, no paid phone-code call is spent (getPhoneNumber is charged per success).
  const session = input.code ? await deps.wechat.code2Session(app, input.code) : undefined
  const phoneCode = input.phoneCode
  // getPhoneNumber checks watermark.appid itself: a mismatch there is WeChat's answer, so 502 wechat_error;
  // the legacy form checks it on data the client sent, so 400 invalid_encrypted_data.
  const got = phoneCode
    ? await deps.wechatTokens.withToken(connection, (token) =>
        deps.wechat.getPhoneNumber(app, token, phoneCode, session?.openid ?? owner),
      )
    : await readLegacyPhone(deps, connection, session!, {
        iv: input.iv!,
        encryptedData: input.encryptedData!,
      })
  const { phoneNumber, purePhoneNumber, countryCode } = got
  return { number: { phone: got.e164, phoneNumber, purePhoneNumber, countryCode }, session }
}

/** Reads the number without logging in or binding anything. */
export async function readPhone(deps: Deps, input: PhoneInput): Promise<PhoneRead> {
  const connection = findConnection(deps.config, input.connection)
  const { number, session } = await fetchPhone(deps, { connection, input, requireCode: false })
  return {
    ...number,
    ...(session && { openid: session.openid }),
    ...(session?.unionid && { unionid: session.unionid }),
  }
}

export async function loginWithPhone(deps: Deps, input: PhoneLoginInput): Promise<LoginResult> {
  const ctx = { ip: input.ip, userAgent: input.userAgent }
  const attempt = { method: 'phone', connection: input.connection, ctx }
  return auditFailure(deps, attempt, async () => {
    const connection = findConnection(deps.config, input.connection)
    const { number, session } = await fetchPhone(deps, { connection, input, requireCode: true })
    const login = await phoneLoginAccount(deps, {
      connection,
      session: session!,
      phone: number.phone,
      ip: ctx.ip,
    })
    const audit = loginSucceeded({ ...attempt, connection: connection.id }, login.user.id, login)
    const { user } = login
    return issueTokens(deps, { user, connection, ctx, audit, source: input.source })
  })
}

/**
 * The signed-in user's openid in this app, when there is exactly one: two (people merged by a phone) leave
 * no single person for WeChat to check the phone code against.
 */
async function ownOpenid(deps: Deps, userId: string, appId: string) {
  const rows = await deps.db
    .select({ openid: wechatIdentities.openid })
    .from(wechatIdentities)
    .where(and(eq(wechatIdentities.userId, userId), eq(wechatIdentities.appid, appId)))
    .limit(2)
  return rows.length === 1 ? rows[0]!.openid : undefined
}

/** Binds a phone to the signed-in user: 409 phone_taken if another account holds it; idempotent otherwise. */
export async function bindPhone(
  deps: Deps,
  userId: string,
  input: PhoneInput & SessionContext,
): Promise<PhoneNumber> {
  const connection = findConnection(deps.config, input.connection)
  const owner = await ownOpenid(deps, userId, connection.appId)
  const { number } = await fetchPhone(deps, { connection, input, requireCode: false, owner })
  const now = deps.now()
  const changed = await bindToUser(deps, userId, number.phone, now)
  if (changed)
    await recordAudit(
      deps.db,
      {
        type: 'phone.bound',
        userId,
        connection: connection.id,
        ip: input.ip,
        detail: { via: 'me' },
      },
      now,
    )
  return number
}
