import { AppConfig } from './app-config';
import { envSchema, toAppConfig } from './env.schema';

/** Variables whose values may hold passwords: an error names them but never echoes them. */
const SECRET_VARIABLES = new Set(['DATABASE_URL', 'REDIS_URL']);

/** The configuration is invalid; `problems` names every variable that is wrong, not just the first. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once, at boot. Throws `ConfigError` listing every problem at once,
 * so an operator fixes a broken deployment in one round.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const given = env[name];
        const echo =
          given === undefined || SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(given)})`;
        return `${name} ${issue.message}${echo}`;
      }),
    );
  }
  return Object.freeze(toAppConfig(parsed.data));
}
