/*
 * The proxy launcher's argv for one credential, the admin port on and a 30 s drain: what
 * lib/proxy-launcher.ts produces (test/lib/proxy-launcher.test.ts) and what the CDK proxy
 * tier puts in its task definition (test/cdk/proxy-tier.test.ts). Written once, so the two
 * tests pin the same argv.
 */

/** The launcher's own options, up to Envoy's path: check `credentialVariable`, admin on loopback. */
export function launcherOptionsArgv(credentialVariable: string): string[] {
  return [
    '--credential-env',
    credentialVariable,
    '--drain-seconds',
    '30',
    '--admin',
    '127.0.0.1:9901',
    '--',
    '/usr/local/bin/envoy',
  ];
}

/** Envoy's last arguments: one worker, draining for as long as the launcher waits. */
export const ENVOY_DRAIN_ARGV: readonly string[] = [
  '--concurrency',
  '1',
  '--drain-time-s',
  '30',
  '--drain-strategy',
  'immediate',
];
