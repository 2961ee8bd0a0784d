// What the measured loops consume, made before the clock starts: login codes minted in bulk by the
// simulator, and the returning users (logged in once) whose codes the returning-user scenario redeems.
import type { Request } from 'autocannon'

/** The simulator's batch endpoint takes at most 50,000 users a call; smaller calls keep answers small. */
const chunk = 20_000

export async function mintCodes(simUrl: string, appId: string, users: string[]): Promise<string[]> {
  const codes: string[] = []
  for (let i = 0; i < users.length; i += chunk) {
    const res = await fetch(`${simUrl}/__sim/login-codes/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appId, users: users.slice(i, i + chunk) }),
    })
    if (res.status !== 201) throw new Error(`minting codes: HTTP ${res.status} ${await res.text()}`)
    const { codes: minted } = (await res.json()) as { codes: { code: string }[] }
    codes.push(...minted.map((c) => c.code))
  }
  return codes
}

export const loginRequest = (path: string, code: string): Request => ({
  method: 'POST',
  path,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ code }),
})

/** Hands out a pool's items in order, once each. */
export function cursor<T>(items: T[], toRequest: (item: T) => Request): () => Request | undefined {
  let i = 0
  return () => (i < items.length ? toRequest(items[i++]!) : undefined)
}

/** Logs every user in once (so that they are returning users), a few at a time; returns the answers. */
export async function seedLogins(
  url: string,
  codes: string[],
  concurrency = 32,
): Promise<Record<string, unknown>[]> {
  const answers: Record<string, unknown>[] = []
  let next = 0
  async function worker() {
    while (next < codes.length) {
      const { method, path, headers, body } = loginRequest(new URL(url).pathname, codes[next++]!)
      const res = await fetch(new URL(path!, url), { method, headers, body })
      const json = (await res.json()) as Record<string, unknown>
      if (!res.ok) throw new Error(`seeding a login: HTTP ${res.status} ${JSON.stringify(json)}`)
      answers.push(json)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return answers
}
