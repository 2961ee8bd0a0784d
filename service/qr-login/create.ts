// Starting a web login (QR login): WeChat draws the Mini Program code for a fresh, unguessable scene, and only
// then is the login written, with the hash of the poll token that only the asking browser receives.
import { randomBytes } from 'node:crypto'
import { inArray, lt } from 'drizzle-orm'
import { recordAudit } from '../audit'
import { hashToken, randomToken } from '../crypto/random'
import { qrLogins } from '../db/schema'
import { findConnection, type Deps } from '../deps'
import { wechatApp } from '../wechat/client'
import { AppError } from '../errors'
import type { SessionContext } from '../tokens/sessions'

export interface QrLoginStarted {
  /** The code's scene: what the Mini Program page receives and sends back to scan and confirm. */
  id: string
  /** `data:` URL of the Mini Program code. */
  image: string
  expiresIn: number
  interval: number
  pollToken: string
}

/** Finished logins are kept this long (for support questions), then swept by later creations. */
const keepMs = 3600_000
const sweepBatch = 100

/**
 * 24 random bytes in base64url: exactly 32 characters, WeChat's limit for a scene, all of them in the
 * scene's alphabet (getUnlimitedQRCode's doc), and 192 bits that nobody guesses.
 */
export const newScene = (): string => randomBytes(24).toString('base64url')

export async function createQrLogin(
  deps: Deps,
  input: { connection: string; origin?: string } & SessionContext,
): Promise<QrLoginStarted> {
  const connection = findConnection(deps.config, input.connection)
  if (!connection.qrLoginPage)
    throw new AppError('qr_login_disabled', `QR login is not set up for "${connection.id}".`)
  const id = newScene()
  const pollToken = randomToken()
  // Test and development versions are not published, so WeChat must not look the page up there.
  const code = await deps.wechatTokens.withToken(connection, (accessToken) =>
    deps.wechat.getUnlimitedQrCode(wechatApp(connection), accessToken, {
      scene: id,
      page: connection.qrLoginPage!,
      envVersion: connection.qrLoginEnvVersion,
      checkPath: connection.qrLoginEnvVersion === 'release',
    }),
  )
  const now = deps.now()
  const ttl = deps.config.qrLoginTtlSeconds
  await deps.db.insert(qrLogins).values({
    id,
    connection: connection.id,
    pollTokenHash: hashToken(pollToken),
    createdAt: now,
    expiresAt: new Date(now.getTime() + ttl * 1000),
    ip: input.ip ?? null,
    userAgent: input.userAgent?.slice(0, 512) ?? null,
    origin: input.origin?.slice(0, 256) ?? null,
  })
  await recordAudit(
    deps.db,
    { type: 'qr_login.created', connection: connection.id, ip: input.ip, detail: { id } },
    now,
  )
  await sweep(deps, now)
  return {
    id,
    image: `data:${code.contentType};base64,${code.image.toString('base64')}`,
    expiresIn: ttl,
    interval: deps.config.qrLoginIntervalSeconds,
    pollToken,
  }
}

/** A few long-finished logins per creation: the table stays small without a scheduler. */
async function sweep(deps: Deps, now: Date) {
  const old = deps.db
    .select({ id: qrLogins.id })
    .from(qrLogins)
    .where(lt(qrLogins.expiresAt, new Date(now.getTime() - keepMs)))
    .limit(sweepBatch)
  await deps.db.delete(qrLogins).where(inArray(qrLogins.id, old))
}
