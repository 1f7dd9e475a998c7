import type { BootOptions } from '../../pulumi/proxy-tier/boot.js';

/*
 * The GCP proxy VM's boot inputs the boot-script and token-refresher tests start from: two
 * credentials from Secret Manager handed to Envoy as variables, one worker, admin on for
 * draining. A test spreads it and changes what it is about.
 */

export const BOOT_SECRETS = [
  { secret: 'anthropic-api-key', variable: 'AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY' },
  { secret: 'gh_tok', variable: 'AGENT_PERIMETER_SECRET_GH_TOK' },
];

export const BOOT_OPTIONS: BootOptions = {
  image: 'envoyproxy/envoy:v1.36.4',
  envoyConfig: {},
  secrets: BOOT_SECRETS,
  credentialsFrom: 'env',
  concurrency: 1,
  nofile: 65535,
  memoryMib: 1024,
  logLevel: 'info',
  drainSeconds: 30,
  admin: true,
};
