// A guard every test app runs when it closes: no captured log line may contain a secret of the test
// configuration (MASTER_KEY, an AppSecret, the admin key, a webhook secret), so a leak fails the suite that
// caused it.
export function configSecrets(
  env: Record<string, string | undefined>,
  appSecrets: string[],
): string[] {
  return [env.MASTER_KEY, env.ADMIN_API_KEY, ...appSecrets, ...webhookSecrets(env)].filter(
    (s): s is string => !!s && s.length >= 8,
  )
}

export function assertNoSecretsLogged(lines: string[], secrets: string[]): void {
  for (const secret of secrets) {
    const leak = lines.find((line) => line.includes(secret))
    if (leak)
      throw new Error(
        `a log line contains a configured secret (shown redacted): ${leak.replaceAll(secret, '<SECRET>').slice(0, 600)}`,
      )
  }
}

/** The `whsec_` secrets of WEBHOOKS, and their base64 key alone (what a careless log might print). */
function webhookSecrets(env: Record<string, string | undefined>): string[] {
  if (!env.WEBHOOKS) return []
  try {
    const endpoints = JSON.parse(env.WEBHOOKS) as { secret?: unknown }[]
    return endpoints.flatMap((e) =>
      typeof e.secret === 'string' ? [e.secret, e.secret.replace(/^whsec_/, '')] : [],
    )
  } catch {
    return []
  }
}
