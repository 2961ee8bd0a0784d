// ES256 signing keys kept in the database (private half sealed with MASTER_KEY), so every instance signs
// with the same key and serves the same JWKS. Rotation adds a key; a retired key stays published until the
// last token it signed has expired.
import { createPrivateKey, type JsonWebKeyInput, type KeyObject } from 'node:crypto'
import { and, desc, gt, isNull, or, sql } from 'drizzle-orm'
import { exportJWK, generateKeyPair, importJWK, type JWK, type SignJWT } from 'jose'
import type { Sealer } from '../crypto/seal'
import type { Db } from '../db/client'
import { signingKeys } from '../db/schema'

/** Whatever jose signs and verifies with (a CryptoKey or a KeyObject). */
export type Key = Parameters<SignJWT['sign']>[0]

const ALG = 'ES256'
const KEY_LOCK = 727_1002
/** How long an instance trusts its cached key list before reading it again (rotation by another instance). */
const CACHE_MS = 60_000

export interface SigningKey {
  kid: string
  /** A node:crypto key: access-token.ts signs with crypto.sign, on this thread (see there). */
  privateKey: KeyObject
}

export interface KeyStore {
  /** The newest active key, creating the first one if the database has none. */
  current(): Promise<SigningKey>
  /** Public keys to verify with: the current one and every retired key whose tokens may still be live. */
  publicKey(kid: string): Promise<Key | undefined>
  jwks(): Promise<{ keys: JWK[] }>
  /** Adds a key and retires the previous ones; returns the new kid. */
  rotate(): Promise<string>
}

interface Loaded {
  at: number
  current?: SigningKey
  published: { kid: string; jwk: JWK; key: Key }[]
}

export interface KeyStoreOptions {
  db: Db
  sealer: Sealer
  now: () => Date
  randomId: () => string
  /** Access-token lifetime: how long a retired key must stay published. */
  accessTokenTtlSeconds: number
}

export function createKeyStore({
  db,
  sealer,
  now,
  randomId,
  accessTokenTtlSeconds,
}: KeyStoreOptions): KeyStore {
  let loaded: Loaded | undefined
  let loading: Promise<Loaded> | undefined

  async function insertKey(tx: Db): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(ALG, { extractable: true })
    const kid = randomId()
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' }
    const privateJwk = JSON.stringify(await exportJWK(privateKey))
    await tx.insert(signingKeys).values({
      kid,
      alg: ALG,
      publicJwk,
      privateJwkEnc: sealer.seal(privateJwk, `signing_key:${kid}`),
      createdAt: now(),
    })
    return kid
  }

  async function load(): Promise<Loaded> {
    const since = new Date(now().getTime() - accessTokenTtlSeconds * 1000 - 60_000)
    const rows = await db
      .select()
      .from(signingKeys)
      .where(or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, since)))
      .orderBy(desc(signingKeys.createdAt))
    if (!rows.some((r) => r.retiredAt === null)) {
      // First start: one instance creates the key; the others wait on the lock and find it.
      await db.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_advisory_xact_lock(${KEY_LOCK})`)
        const active = await tx
          .select({ kid: signingKeys.kid })
          .from(signingKeys)
          .where(isNull(signingKeys.retiredAt))
        if (active.length === 0) await insertKey(tx)
      })
      return load()
    }
    const published = await Promise.all(
      rows.map(async (r) => ({
        kid: r.kid,
        jwk: r.publicJwk as JWK,
        key: await importJWK(r.publicJwk as JWK, ALG),
      })),
    )
    const newest = rows.find((r) => r.retiredAt === null)!
    const privateJwk = JSON.parse(
      sealer.open(newest.privateJwkEnc, `signing_key:${newest.kid}`),
    ) as JWK
    const current = {
      kid: newest.kid,
      privateKey: createPrivateKey({ key: privateJwk as JsonWebKeyInput['key'], format: 'jwk' }),
    }
    return { at: now().getTime(), current, published }
  }

  async function get(force = false): Promise<Loaded> {
    if (!force && loaded && now().getTime() - loaded.at < CACHE_MS) return loaded
    loading ??= load().finally(() => (loading = undefined))
    loaded = await loading
    return loaded
  }

  return {
    async current() {
      return (await get()).current!
    },
    async publicKey(kid) {
      const found = (await get()).published.find((k) => k.kid === kid)
      if (found) return found.key
      // A key another instance just rotated in: read again, at most once per call.
      return (await get(true)).published.find((k) => k.kid === kid)?.key
    },
    async jwks() {
      return { keys: (await get()).published.map((k) => k.jwk) }
    },
    async rotate() {
      const kid = await db.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_advisory_xact_lock(${KEY_LOCK})`)
        await tx
          .update(signingKeys)
          .set({ retiredAt: now() })
          .where(and(isNull(signingKeys.retiredAt)))
        return insertKey(tx)
      })
      await get(true)
      return kid
    },
  }
}
