// What WeChat pushed to a connection's message-push URL, verified and read: the signature over the token (and,
// in safe mode, over the ciphertext), the decryption and its trailing AppID, then the JSON or XML message.
// Plain mode's `signature` covers only timestamp and nonce, not the body: safe mode is the one that binds
// both, so a connection with an encodingAesKey refuses unencrypted pushes.
// https://developers.weixin.qq.com/miniprogram/dev/framework/server-ability/message-push.html
import type { Connection } from '../config'
import { AppError } from '../errors'
import { decryptPush, PushDecryptError, signatureMatches } from './push-crypto'
import { parsePushXml, PushXmlError } from './push-xml'

/** The query WeChat adds to the URL: `signature`, `timestamp`, `nonce`; `echostr` on the handshake; in safe
 * mode `encrypt_type=aes` and `msg_signature`. */
export type PushQuery = Record<string, string | undefined>

/** The events of 授权用户信息变更 (authorized_user_information_changes). */
export const authorizationEvents = [
  'user_info_modified',
  'user_authorization_revoke',
  'user_authorization_cancellation',
] as const
export type AuthorizationEvent = (typeof authorizationEvents)[number]

export interface AuthorizationChange {
  event: AuthorizationEvent
  /** The person, in this Mini Program. */
  openid: string
  /** Seconds, as WeChat stamped the push: with openid and event, what its retries repeat. */
  createTime: number
  /** Codes of what was withdrawn (user_authorization_revoke), e.g. ['8'] for the phone number. */
  revokeInfo: string[]
}

/** A verified push: one of the authorization events, or anything else the URL receives (left alone). */
export type Push = { kind: 'authorization'; change: AuthorizationChange } | { kind: 'other' }

const invalid = (message: string) => new AppError('wechat_push_invalid', message)
const badSignature = () =>
  new AppError(
    'wechat_push_signature_invalid',
    "The push's signature does not match this connection's pushToken.",
  )

/** The connection's push token, or 404 when it takes no pushes. */
export function pushTokenOf(connection: Connection): string {
  if (!connection.pushToken)
    throw new AppError(
      'wechat_push_disabled',
      `Connection "${connection.id}" takes no WeChat pushes: it has no pushToken.`,
    )
  return connection.pushToken
}

/** The URL handshake: the `echostr` to answer when the signature is the token's. */
export function verifyHandshake(connection: Connection, query: PushQuery): string {
  const token = pushTokenOf(connection)
  if (!signatureMatches(query.signature, [token, query.timestamp ?? '', query.nonce ?? '']))
    throw badSignature()
  const echo = query.echostr ?? ''
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(echo)) throw invalid('echostr is missing or not plain text.')
  return echo
}

/** A JSON object or an <xml> element; its fields as WeChat sent them. */
function fieldsOf(text: string): Record<string, unknown> {
  const trimmed = text.trimStart()
  if (trimmed.startsWith('<')) {
    try {
      return parsePushXml(text)
    } catch (err) {
      if (err instanceof PushXmlError) throw invalid(`The XML push is malformed: ${err.message}.`)
      throw err
    }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw invalid('The push is neither JSON nor XML.')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalid('The JSON push is not an object.')
  return parsed as Record<string, unknown>
}

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '')

/** The decrypted message of a safe-mode push, after its msg_signature and AppID are checked. */
function decrypted(connection: Connection, token: string, query: PushQuery, body: string) {
  const encrypt = str(fieldsOf(body).Encrypt)
  if (!encrypt) throw invalid('The safe-mode push has no Encrypt field.')
  const parts = [token, query.timestamp ?? '', query.nonce ?? '', encrypt]
  if (!signatureMatches(query.msg_signature, parts)) throw badSignature()
  // Only after the signature: nobody but WeChat learns how the connection is set up.
  if (!connection.encodingAesKey)
    throw invalid(
      `Connection "${connection.id}" has no encodingAesKey to decrypt a safe-mode push.`,
    )
  let opened: { message: string; appId: string }
  try {
    opened = decryptPush(connection.encodingAesKey, encrypt)
  } catch (err) {
    if (err instanceof PushDecryptError)
      throw invalid("The push does not decrypt under this connection's encodingAesKey.")
    throw err
  }
  if (opened.appId !== connection.appId)
    throw new AppError('wechat_push_wrong_app', 'The push was encrypted for another AppID.')
  return opened.message
}

/** Verifies and reads a POSTed push; throws a 4xx AppError for anything WeChat would not have sent. */
export function readPush(connection: Connection, query: PushQuery, body: string): Push {
  const token = pushTokenOf(connection)
  let message: string
  if (query.encrypt_type === 'aes') message = decrypted(connection, token, query, body)
  else if (query.encrypt_type !== undefined && query.encrypt_type !== 'raw')
    throw invalid('encrypt_type must be aes (safe mode) or absent (plain mode).')
  else {
    if (!signatureMatches(query.signature, [token, query.timestamp ?? '', query.nonce ?? '']))
      throw badSignature()
    if (connection.encodingAesKey)
      throw new AppError(
        'wechat_push_encryption_required',
        'This connection has an encodingAesKey: choose safe mode (安全模式) in the WeChat console.',
      )
    message = body
  }
  return interpret(connection, fieldsOf(message))
}

function interpret(connection: Connection, f: Record<string, unknown>): Push {
  const event = str(f.Event)
  const isEvent = str(f.MsgType).toLowerCase() === 'event'
  if (!isEvent || !(authorizationEvents as readonly string[]).includes(event))
    return { kind: 'other' }
  const appId = str(f.AppID)
  if (appId && appId !== connection.appId)
    throw new AppError(
      'wechat_push_wrong_app',
      `The push is for another AppID than ${connection.id}'s.`,
    )
  const openid = str(f.OpenID)
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(openid)) throw invalid('OpenID is missing or malformed.')
  const createTime = str(f.CreateTime)
  if (!/^\d{1,15}$/.test(createTime))
    throw invalid('CreateTime is missing or not a whole number of seconds.')
  // One code in WeChat's examples; read a comma-separated list too, since deleting more is the safe error.
  const revokeInfo = str(f.RevokeInfo)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  return {
    kind: 'authorization',
    change: {
      event: event as AuthorizationEvent,
      openid,
      createTime: Number(createTime),
      revokeInfo,
    },
  }
}
