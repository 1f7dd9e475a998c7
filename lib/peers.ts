import { readFileSync } from 'node:fs';
import { UserError } from './errors.js';
import { packageFile } from './package-files.js';

/*
 * The cloud SDKs are optional peer dependencies (ADR 0030): an AWS-only app installs no Pulumi,
 * a GCP-only program no aws-cdk-lib. Code that needs one loads it when asked, through here, so
 * a missing peer is a clear instruction instead of Node's ERR_MODULE_NOT_FOUND stack trace.
 */

/** The peers each cloud's code needs. */
export const CLOUD_PEERS = {
  aws: ['aws-cdk-lib', 'constructs', 'cdk-nag'],
  gcp: ['@pulumi/pulumi', '@pulumi/gcp'],
  'control-tower': ['@cdklabs/cdk-validator-cfnguard'],
} as const satisfies Record<string, readonly string[]>;

export type PeerSet = keyof typeof CLOUD_PEERS;

/** `name@range` for each peer, with the ranges this package declares. */
export function peerInstallSpecs(set: PeerSet): string[] {
  const declared = (
    JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as {
      peerDependencies?: Record<string, string>;
    }
  ).peerDependencies;
  return CLOUD_PEERS[set].map((name) => {
    const range = declared?.[name];
    return range === undefined ? name : `${name}@${range}`;
  });
}

/** An optional peer that some code needs is not installed; the message has the install line. */
export class MissingPeerError extends UserError {
  constructor(purpose: string, name: string, set: PeerSet) {
    super(
      `${purpose} needs the optional peer dependency ${name}, which is not installed. Fix: npm install --save-dev ${peerInstallSpecs(set).join(' ')}`,
    );
  }
}

/** The set and peer a module-not-found error names, when it is one of the sets'. */
function missingPeer(
  error: unknown,
  sets: readonly PeerSet[],
): { set: PeerSet; name: string } | undefined {
  if (!(error instanceof Error) || (error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') {
    return undefined;
  }
  for (const set of sets) {
    const name = CLOUD_PEERS[set].find((peer) => error.message.includes(`'${peer}'`));
    if (name !== undefined) return { set, name };
  }
  return undefined;
}

/**
 * Runs `load` (a dynamic import of code that needs the sets' peers); when one of them is not
 * installed, throws a `UserError` saying what needed it and the install line.
 */
export async function withPeers<T>(
  sets: readonly PeerSet[],
  purpose: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const missing = missingPeer(error, sets);
    if (missing === undefined) throw error;
    throw new MissingPeerError(purpose, missing.name, missing.set);
  }
}
