// A guard every test app runs when it closes: no captured log line may contain a secret of the test
// configuration (MASTER_KEY, an AppSecret, the admin key), so a leak fails the suite that caused it.
export function configSecrets(
  env: Record<string, string | undefined>,
  appSecrets: string[],
): string[] {
  return [env.MASTER_KEY, env.ADMIN_API_KEY, ...appSecrets].filter(
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
