// WEBHOOKS: endpoints validated at start (https, or http on loopback; a whsec_ secret; known event types),
// every problem named in one message that never repeats the secret.
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../service/config'
import { configProblems } from '../helpers/config-problems'
import { nextAttemptAt, RETRY_DELAYS_S } from '../../service/webhooks/types'

const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`

const problems = (webhooks: unknown) =>
  configProblems({
    WEBHOOKS: typeof webhooks === 'string' ? webhooks : JSON.stringify(webhooks),
  })

describe('WEBHOOKS', () => {
  it('is empty by default, and reads endpoints with a stable id and their event types', () => {
    expect(loadConfig({}).webhooks).toEqual([])
    const c = loadConfig({
      WEBHOOKS: JSON.stringify([
        { url: 'https://api.example.com/hooks', secret },
        { url: 'http://127.0.0.1:8080/hooks', secret, events: ['user.deleted', 'user.deleted'] },
      ]),
    })
    expect(c.webhooks).toEqual([
      {
        id: expect.stringMatching(/^ep_[0-9a-f]{16}$/),
        url: 'https://api.example.com/hooks',
        secret,
      },
      {
        id: expect.stringMatching(/^ep_[0-9a-f]{16}$/),
        url: 'http://127.0.0.1:8080/hooks',
        secret,
        events: ['user.deleted'],
      },
    ])
    const again = loadConfig({ WEBHOOKS: JSON.stringify([{ url: c.webhooks[0]!.url, secret }]) })
    expect(again.webhooks[0]!.id).toBe(c.webhooks[0]!.id)
    expect(loadConfig({}).webhookTimeoutMs).toBe(10_000)
    expect(loadConfig({}).webhookPollMs).toBe(1000)
  })

  it('refuses http to another host, a bad secret and an unknown type, naming each, never the secret', () => {
    const bad = `whsec_not base64!${'x'.repeat(20)}`
    const found = problems([
      { url: 'http://api.example.com/hooks', secret },
      { url: 'https://api.example.com/a', secret: bad },
      { url: 'https://api.example.com/b', secret: Buffer.alloc(32).toString('base64') },
      { url: 'https://api.example.com/c', secret, events: ['user.renamed'] },
      { url: 'https://user:pw@api.example.com/d', secret },
      { url: 'https://api.example.com/e', secret, extra: 1 },
    ])
    expect(found.map((p) => p.split(' ')[0])).toEqual([
      'WEBHOOKS[0][url]',
      'WEBHOOKS[1][secret]',
      'WEBHOOKS[2][secret]',
      'WEBHOOKS[3][events.0]',
      'WEBHOOKS[4][url]',
      'WEBHOOKS[5]',
    ])
    expect(found.join('\n')).not.toContain(bad)
    expect(found.join('\n')).not.toContain(secret.slice(6))
  })

  it('refuses what is not a JSON array, and a repeated url', () => {
    expect(problems('{')).toEqual(['WEBHOOKS is not valid JSON'])
    expect(problems({ url: 'https://x.example' })).toEqual([
      'WEBHOOKS must be a JSON array of {url, secret, events?}',
    ])
    const url = 'https://api.example.com/hooks'
    expect(
      problems([
        { url, secret },
        { url, secret },
      ]),
    ).toEqual(['WEBHOOKS[1] repeats a url'])
  })
})

describe('the retry schedule', () => {
  it('retries at 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, then fails', () => {
    const now = new Date()
    const delays = RETRY_DELAYS_S.map(
      (_, i) => (nextAttemptAt(i + 1, now)!.getTime() - now.getTime()) / 1000,
    )
    expect(delays).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000])
    expect(nextAttemptAt(8, now)).toBeNull()
  })
})
