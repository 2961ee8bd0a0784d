// Every route the app serves, for the OpenAPI document: the request schemas are the very zod schemas the
// routes validate with (imported, never restated); a test checks this list against the app's own routes.
import type { z } from 'zod'
import { profilePatch } from '../accounts/profile'
import { body as authingBody } from '../compat/rest'
import { request as graphqlRequest } from '../compat/graphql'
import type { ErrorCode } from '../errors'
import { auditQuery, deliveriesQuery, statusBody, usersQuery } from '../routes/admin'
import { loginBody } from '../routes/login'
import { bindBody, phoneBody } from '../routes/phone'
import { qrLoginBody } from '../routes/qr-logins'
import { tokenBody } from '../routes/tokens'

export type Auth = 'none' | 'bearer' | 'admin'

export interface RouteDoc {
  method: 'get' | 'post' | 'patch' | 'delete'
  /** OpenAPI form: `{param}`. */
  path: string
  tag:
    | 'Login'
    | 'QR login'
    | 'WeChat push'
    | 'Tokens'
    | 'Me'
    | 'Discovery'
    | 'Health'
    | 'Admin'
    | 'Authing compatibility'
  summary: string
  auth: Auth
  body?: z.ZodType
  query?: z.ZodObject
  /** 2xx status and what it carries. */
  ok: [number, string]
  /** The route's own error codes; body, bearer and admin errors are added by kind. */
  errors?: ErrorCode[]
}

const wechat: ErrorCode[] = [
  'connection_not_found',
  'wechat_error',
  'wechat_misconfigured',
  'wechat_unavailable',
  'wechat_rate_limited',
  'wechat_token_invalid',
  'wechat_ip_not_whitelisted',
  'rate_limited',
]
const qrStep = (
  step: 'scan' | 'confirm' | 'cancel',
  summary: string,
  ok: [number, string],
): RouteDoc => ({
  method: 'post',
  path: `/v1/qr-logins/{id}/${step}`,
  tag: 'QR login',
  auth: 'bearer',
  summary,
  ok,
  errors: [
    'qr_login_not_found',
    'qr_login_expired',
    'qr_login_taken',
    'qr_login_foreign',
    'qr_login_cancelled',
    'qr_login_used',
    ...(step === 'scan' ? [] : (['qr_login_not_scanned'] as ErrorCode[])),
  ],
})
const pushErrors: ErrorCode[] = [
  'connection_not_found',
  'wechat_push_disabled',
  'wechat_push_signature_invalid',
  'wechat_push_invalid',
  'rate_limited',
]
const loginAnswer = '`{user, accessToken, refreshToken, tokenType: "Bearer", expiresIn}`'
const user = '`{user}` with its identities'

export const routeDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/v1/connections/{connection}/login',
    tag: 'Login',
    auth: 'none',
    body: loginBody,
    summary:
      'Silent login with a wx.login code; creates the user unless the connection is Login Only',
    ok: [200, loginAnswer],
    errors: ['invalid_code', 'signup_disabled', 'user_blocked', 'wechat_user_blocked', ...wechat],
  },
  {
    method: 'post',
    path: '/v1/connections/{connection}/login-by-phone',
    tag: 'Login',
    auth: 'none',
    body: phoneBody,
    summary:
      "Phone login (`{code, phoneCode}` or legacy `{code, encryptedData, iv}`): the phone's account, or a new one",
    ok: [200, loginAnswer],
    errors: [
      'invalid_code',
      'invalid_phone_code',
      'invalid_encrypted_data',
      'signup_disabled',
      'user_blocked',
      'wechat_user_blocked',
      ...wechat,
    ],
  },
  {
    method: 'post',
    path: '/v1/connections/{connection}/phone',
    tag: 'Login',
    auth: 'none',
    body: phoneBody,
    summary: 'Reads the phone number behind a phone code, without logging in or binding it',
    ok: [200, '`{phone, phoneNumber, purePhoneNumber, countryCode}`'],
    errors: ['invalid_code', 'invalid_phone_code', 'invalid_encrypted_data', ...wechat],
  },
  {
    method: 'post',
    path: '/v1/token',
    tag: 'Tokens',
    auth: 'none',
    body: tokenBody,
    summary:
      'Rotates a refresh token: a new access and refresh token; a reused one revokes the session',
    ok: [200, '`{accessToken, refreshToken, tokenType, expiresIn}`'],
    errors: ['refresh_token_invalid', 'refresh_token_reused', 'session_revoked', 'user_blocked'],
  },
  {
    method: 'post',
    path: '/v1/logout',
    tag: 'Tokens',
    auth: 'bearer',
    summary: 'Revokes the session',
    ok: [204, 'revoked'],
  },
  {
    method: 'get',
    path: '/v1/me',
    tag: 'Me',
    auth: 'bearer',
    summary: 'The current user',
    ok: [200, user],
    errors: ['user_not_found'],
  },
  {
    method: 'patch',
    path: '/v1/me',
    tag: 'Me',
    auth: 'bearer',
    body: profilePatch,
    summary: 'Updates the profile',
    ok: [200, user],
    errors: ['user_not_found'],
  },
  {
    method: 'post',
    path: '/v1/me',
    tag: 'Me',
    auth: 'bearer',
    body: profilePatch,
    summary:
      'PATCH /v1/me for wx.request, which cannot send PATCH: needs `X-HTTP-Method-Override: PATCH`',
    ok: [200, user],
    errors: ['method_not_allowed', 'user_not_found'],
  },
  {
    method: 'delete',
    path: '/v1/me',
    tag: 'Me',
    auth: 'bearer',
    summary: 'Deletes the account and its data',
    ok: [204, 'deleted'],
  },
  {
    method: 'post',
    path: '/v1/me/phone',
    tag: 'Me',
    auth: 'bearer',
    body: bindBody,
    summary: 'Binds the phone behind a phone code to the current user',
    ok: [200, user],
    errors: [
      'invalid_code',
      'invalid_phone_code',
      'invalid_encrypted_data',
      'phone_taken',
      ...wechat,
    ],
  },
  {
    method: 'get',
    path: '/.well-known/openid-configuration',
    tag: 'Discovery',
    auth: 'none',
    summary: 'OpenID discovery: issuer and JWKS address',
    ok: [200, 'the discovery document'],
  },
  {
    method: 'get',
    path: '/.well-known/jwks.json',
    tag: 'Discovery',
    auth: 'none',
    summary: 'The public keys that verify access tokens',
    ok: [200, '`{keys}`'],
  },
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'Discovery',
    auth: 'none',
    summary: 'This document',
    ok: [200, 'OpenAPI 3.1'],
  },
  {
    method: 'get',
    path: '/healthz',
    tag: 'Health',
    auth: 'none',
    summary: 'Liveness',
    ok: [200, '`{status: "ok"}`'],
  },
  {
    method: 'get',
    path: '/readyz',
    tag: 'Health',
    auth: 'none',
    summary: 'Readiness: database reachable, migrations applied',
    ok: [200, '`{status: "ready"}`'],
    errors: ['service_unavailable', 'database_unavailable'],
  },
  {
    method: 'get',
    path: '/v1/admin/users',
    tag: 'Admin',
    auth: 'admin',
    query: usersQuery,
    summary: 'Searches users, newest first (nickname is a prefix), with a cursor',
    ok: [200, '`{users, nextCursor}`'],
  },
  {
    method: 'get',
    path: '/v1/admin/users/{id}',
    tag: 'Admin',
    auth: 'admin',
    summary: 'A user with identities and sessions',
    ok: [200, user],
    errors: ['user_not_found'],
  },
  {
    method: 'patch',
    path: '/v1/admin/users/{id}',
    tag: 'Admin',
    auth: 'admin',
    body: statusBody,
    summary: 'Blocks or unblocks a user',
    ok: [200, user],
    errors: ['user_not_found'],
  },
  {
    method: 'delete',
    path: '/v1/admin/users/{id}',
    tag: 'Admin',
    auth: 'admin',
    summary: 'Deletes a user and its data',
    ok: [204, 'deleted'],
    errors: ['user_not_found'],
  },
  {
    method: 'post',
    path: '/v1/admin/users/{id}/sessions/revoke',
    tag: 'Admin',
    auth: 'admin',
    summary: 'Ends every live session of a user (who is not blocked and can log in again)',
    ok: [200, '`{sessionsRevoked}`'],
    errors: ['user_not_found'],
  },
  {
    method: 'get',
    path: '/v1/admin/audit-events',
    tag: 'Admin',
    auth: 'admin',
    query: auditQuery,
    summary: 'The audit log, newest first, with a cursor',
    ok: [200, '`{events, nextCursor}`'],
  },
  {
    method: 'get',
    path: '/v1/admin/webhook-deliveries',
    tag: 'Admin',
    auth: 'admin',
    query: deliveriesQuery,
    summary:
      'Webhook deliveries, newest first, by status (pending, delivered, failed), with a cursor',
    ok: [200, '`{deliveries, nextCursor}`'],
  },
  {
    method: 'post',
    path: '/v1/admin/webhook-deliveries/{id}/retry',
    tag: 'Admin',
    auth: 'admin',
    summary: 'Makes a failed delivery due now, with the whole retry schedule ahead of it again',
    ok: [200, '`{delivery}`'],
    errors: ['webhook_delivery_not_found', 'webhook_delivery_not_failed'],
  },
  {
    method: 'post',
    path: '/v1/admin/signing-keys/rotate',
    tag: 'Admin',
    auth: 'admin',
    summary: 'A new signing key; the old one stays in the JWKS until its last token expires',
    ok: [200, '`{kid}`'],
  },
  {
    method: 'get',
    path: '/v1/admin/connections/{connection}/wechat-access-token',
    tag: 'Admin',
    auth: 'admin',
    summary: "The connection's shared WeChat access token and its expiry",
    ok: [200, '`{accessToken, expiresAt}`'],
    errors: ['connection_not_found', 'wechat_error', 'wechat_misconfigured', 'wechat_unavailable'],
  },
  {
    method: 'post',
    path: '/connections/social/wechat-miniprogram/auth',
    tag: 'Authing compatibility',
    auth: 'none',
    body: authingBody,
    summary:
      "authing-wxapp-sdk's loginByCode; answers Authing's HTTP 200 envelope `{code, message, data}`",
    ok: [200, 'the Authing envelope'],
  },
  {
    method: 'post',
    path: '/connections/social/wechat-miniprogram/auth-by-phone',
    tag: 'Authing compatibility',
    auth: 'none',
    body: authingBody,
    summary: "authing-wxapp-sdk's loginByPhone (Authing's envelope)",
    ok: [200, 'the Authing envelope'],
  },
  {
    method: 'post',
    path: '/connections/social/wechat-miniprogram/getphone',
    tag: 'Authing compatibility',
    auth: 'none',
    body: authingBody,
    summary: "authing-wxapp-sdk's getPhone (Authing's envelope)",
    ok: [200, 'the Authing envelope'],
  },
  {
    method: 'get',
    path: '/api/v2/logout',
    tag: 'Authing compatibility',
    auth: 'none',
    summary: "authing-wxapp-sdk's logout (Authing's envelope)",
    ok: [200, 'the Authing envelope'],
  },
  {
    method: 'post',
    path: '/graphql/v2',
    tag: 'Authing compatibility',
    auth: 'none',
    body: graphqlRequest,
    summary:
      "The GraphQL operations authing-wxapp-sdk sends (user, updateProfile, bindPhone…); GraphQL's `{data, errors}`",
    ok: [200, '`{data, errors}`'],
  },
  {
    method: 'post',
    path: '/v1/connections/{connection}/qr-logins',
    tag: 'QR login',
    auth: 'none',
    body: qrLoginBody,
    summary:
      "Starts a web login by scanning with the Mini Program: the code's image, its expiry, the poll interval and the poll token (CORS: the connection's webOrigins)",
    ok: [201, '`{id, image, expiresIn, interval, pollToken}`'],
    errors: ['qr_login_disabled', 'origin_not_allowed', ...wechat],
  },
  {
    method: 'get',
    path: '/v1/qr-logins/{id}',
    tag: 'QR login',
    auth: 'none',
    summary:
      "The web page's poll, with `Authorization: Bearer <pollToken>`: pending, scanned, confirmed (with the login answer, once), cancelled or expired",
    ok: [200, '`{status}`, and on `confirmed` the login answer'],
    errors: [
      'poll_token_invalid',
      'qr_login_not_found',
      'qr_login_used',
      'slow_down',
      'origin_not_allowed',
    ],
  },
  qrStep('scan', 'The Mini Program user scans: answers what is being approved', [
    200,
    '`{id, connection, createdAt, expiresAt, ip, userAgent, origin}`',
  ]),
  qrStep('confirm', 'The scanner approves: the web page is logged in as them', [204, 'no body']),
  qrStep('cancel', 'The scanner refuses', [204, 'no body']),
  {
    method: 'get',
    path: '/v1/connections/{connection}/wechat/events',
    tag: 'WeChat push',
    auth: 'none',
    summary:
      "WeChat's URL check (消息推送): with the query `signature`, `timestamp`, `nonce`, `echostr`, answers `echostr` as text when the signature is the connection's pushToken's",
    ok: [200, '`echostr`, as text/plain'],
    errors: pushErrors,
  },
  {
    method: 'post',
    path: '/v1/connections/{connection}/wechat/events',
    tag: 'WeChat push',
    auth: 'none',
    summary:
      'A WeChat push (JSON or XML; plain mode, or safe mode with `encrypt_type=aes` and `msg_signature`): acts on user_info_modified, user_authorization_revoke and user_authorization_cancellation once, answers `success` to every push it verified',
    ok: [200, '`success`, as text/plain'],
    errors: [
      ...pushErrors,
      'wechat_push_encryption_required',
      'wechat_push_wrong_app',
      'payload_too_large',
    ],
  },
]
