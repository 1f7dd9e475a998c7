import { type BuildOptions, buildSync } from 'esbuild';

/**
 * Builds `entry` into one minified file that a template carries inline: the probe program in
 * the task definitions (./bundle.ts) and the deploy-time function (cdk/probe/deploy-run.ts).
 * The caller picks what differs: the module format, the Node release, what stays external.
 */
export function inlineBundle(
  entry: string,
  options: Pick<BuildOptions, 'format' | 'target' | 'charset' | 'external'>,
): string {
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'node',
    minify: true,
    legalComments: 'none',
    // No `${...}` in the output: CloudFormation's validation flags it outside Fn::Sub.
    supported: { 'template-literal': false },
    logLevel: 'silent',
    ...options,
  });
  return result.outputFiles[0]?.text ?? '';
}
