// The problems loadConfig reports for an environment, for tests of its refusals.
import { ConfigError, loadConfig } from '../../service/config'

export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  throw new Error('expected a ConfigError')
}
