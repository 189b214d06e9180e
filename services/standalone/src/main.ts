import { loadConfig } from '@threatline/config';
import { demoCredentialsPath } from '@threatline/demo-seed';
import { bootstrap, exitOnBootFailure } from '@threatline/http';
import { existsSync } from 'node:fs';
import { StandaloneModule } from './standalone.module';

async function main(): Promise<void> {
  const config = loadConfig();
  await bootstrap(StandaloneModule, { name: 'standalone', config });
  const credentials = demoCredentialsPath(config.dataDir);
  const mode = config.databaseUrl ? 'PostgreSQL' : `embedded PostgreSQL in ${config.dataDir}`;
  const lines = [
    '',
    `Threatline is running (${mode}).`,
    `  GraphQL API     ${config.http.publicUrl}/graphql`,
    `  REST API        ${config.http.publicUrl}/api/v1`,
    `  Agent stream    ${config.streamUrl}`,
    `  Health          ${config.http.publicUrl}/healthz  ${config.http.publicUrl}/readyz  ${config.http.publicUrl}/metrics`,
    existsSync(credentials)
      ? `  Demo keys       ${credentials}`
      : '  Demo keys       none (SEED_DEMO=1 seeds a demo tenant)',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch(exitOnBootFailure);
