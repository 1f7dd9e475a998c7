import { type LaunchOptions, launchArguments } from '../../lib/proxy-launcher.js';
import { run } from './tls.js';

/*
 * The proxy launcher, run for real in a test: its arguments with the settings no test is
 * about filled in, and a run with `bash -c` standing in for Envoy, so a test sees exactly the
 * environment and arguments Envoy would get.
 */

/** The launcher's arguments for a test: no config file, one worker, no drain, no admin. */
export function testLaunchArguments(
  options: Pick<LaunchOptions, 'credentials'> & Partial<LaunchOptions>,
): string[] {
  return launchArguments({
    config: { path: '/dev/null' },
    logLevel: 'info',
    concurrency: 1,
    drainSeconds: 0,
    admin: false,
    ...options,
  });
}

/**
 * Runs the launcher `script` with `options`, Envoy replaced by `bash -c standIn`, with only
 * PATH and `env` in the environment.
 */
export function runWithEnvoyStandIn(
  script: string,
  options: Pick<LaunchOptions, 'credentials'> & Partial<LaunchOptions>,
  standIn: string,
  env: Record<string, string>,
) {
  const args = testLaunchArguments({ ...options, envoy: 'bash' });
  const launcherArgs = args.slice(0, args.indexOf('--') + 1);
  return run('bash', [script, ...launcherArgs, 'bash', '-c', standIn], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  });
}
