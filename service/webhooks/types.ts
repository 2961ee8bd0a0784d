// The webhook event types and the endpoint shape WEBHOOKS configures: shared by the config reader, the
// worker and the docs test, so a type the database's trigger can emit is also one an endpoint can ask for.
export const webhookEventTypes = [
  'user.created',
  'user.updated',
  'user.deleted',
  'user.blocked',
  'user.unblocked',
] as const

export type WebhookEventType = (typeof webhookEventTypes)[number]

export interface WebhookEndpoint {
  /** `ep_` and the first 16 hex digits of the URL's SHA-256: stable across restarts and instances. */
  readonly id: string
  readonly url: string
  /** The Standard Webhooks secret, `whsec_` and base64. Never logged, never stored in the database. */
  readonly secret: string
  /** The types it receives; absent: all. */
  readonly events?: readonly WebhookEventType[]
}

/** Retries after the first attempt, in seconds: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; then failed. */
export const RETRY_DELAYS_S = [5, 300, 1800, 7200, 18000, 36000, 36000] as const

/** When the next attempt is due after `attempts` failed ones, or null when the delivery has failed. */
export function nextAttemptAt(attempts: number, now: Date): Date | null {
  const delay = RETRY_DELAYS_S[attempts - 1]
  return delay === undefined ? null : new Date(now.getTime() + delay * 1000)
}
