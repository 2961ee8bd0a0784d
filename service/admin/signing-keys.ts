// Signing keys as operators see them (never the private half), and rotation with its audit row, shared by
// the admin API and the admin console.
import { desc, sql } from 'drizzle-orm'
import { recordAudit, type AdminActor } from '../audit'
import { signingKeys } from '../db/schema'
import type { Deps } from '../deps'

/** Rotations are rare; the newest few are what an operator compares with a token's `kid`. */
export const LISTED_KEYS = 20

export const listSigningKeys = (deps: Pick<Deps, 'db'>) =>
  deps.db
    .select({
      kid: signingKeys.kid,
      alg: signingKeys.alg,
      createdAt: signingKeys.createdAt,
      retiredAt: signingKeys.retiredAt,
    })
    .from(signingKeys)
    // Within one instant (a rotation in the same millisecond as the first key) the current key first.
    .orderBy(desc(signingKeys.createdAt), sql`${signingKeys.retiredAt} desc nulls first`)
    .limit(LISTED_KEYS)

export async function rotateSigningKey(
  deps: Pick<Deps, 'db' | 'keys' | 'now'>,
  ctx: { ip?: string | null; actor: AdminActor },
): Promise<string> {
  const kid = await deps.keys.rotate()
  await recordAudit(
    deps.db,
    { type: 'signing_key.rotated', ip: ctx.ip, detail: { actor: ctx.actor, kid } },
    deps.now(),
  )
  return kid
}
