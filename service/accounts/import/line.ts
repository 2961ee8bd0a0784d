// One line of an import file: parsed and checked with the profile rules of PATCH /v1/me and phone numbers in
// E.164 as a phone login stores them. A line that fails answers a stable code and a message naming the field.
import { z } from 'zod'
import type { ErrorCode } from '../../errors'
import { profileFields } from '../profile'

/** PostgreSQL text cannot hold NUL: refused here, as the line's own error, not as a failed batch. */
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((v) => !v.includes('\u0000'), 'must not contain NUL characters')

/** openids and unionids are WeChat's own ids: letters, digits, `-` and `_`. */
const wechatId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a WeChat id ([A-Za-z0-9_-])')

/**
 * E.164 as a phone login stores it (a 1–3 digit country code, at most 15 digits, `+8613800138000`), or an
 * 11-digit mainland mobile number, taken as +86 (how Authing and most Chinese backends store them).
 */
const phone = z
  .string()
  .transform((v) => v.replace(/[\s-]/g, ''))
  .transform((v) => (/^1[3-9]\d{9}$/.test(v) ? `+86${v}` : v))
  .refine(
    (v) => /^\+[1-9]\d{4,14}$/.test(v),
    'must be E.164 (+8613800138000) or an 11-digit mobile',
  )

/** null as absent: what `json_build_object` and most exports write for an empty column. */
const absentIfNull = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => (v === null ? undefined : v), schema.optional())

export const importIdentity = z.strictObject({
  connection: text(64),
  openid: wechatId,
  unionid: absentIfNull(wechatId),
})

export const importLine = z
  .strictObject({
    /** The user's id in the old system; a number (an SQL id) is kept as its decimal text. */
    externalId: absentIfNull(z.union([text(128), z.number().int().transform(String)])),
    phone: absentIfNull(phone),
    ...z.strictObject(profileFields).partial().shape,
    identities: z.array(importIdentity).max(20).default([]),
  })
  .refine(
    (u) => u.externalId !== undefined || u.phone !== undefined || u.identities.length > 0,
    'give at least one of externalId, phone, identities: the line needs a key to be found again',
  )
  .refine(
    (u) => new Set(u.identities.map((i) => i.connection)).size === u.identities.length,
    'identities: one per connection (a person has one openid per Mini Program)',
  )

export type ImportUser = z.infer<typeof importLine>

export interface LineError {
  line: number
  code: ErrorCode
  message: string
}

/** A line's text to a user, or the error to report for it; blank lines are no users and no errors. */
export function parseLine(line: number, raw: string): ImportUser | LineError | undefined {
  if (raw.trim() === '') return undefined
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return { line, code: 'invalid_json', message: 'The line is not a JSON object.' }
  }
  const result = importLine.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const field =
    issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '')
  const message = (field ? `${field}: ${issue.message}` : issue.message).slice(0, 200)
  return { line, code: 'invalid_request', message }
}

export const isLineError = (v: ImportUser | LineError): v is LineError => 'code' in v
