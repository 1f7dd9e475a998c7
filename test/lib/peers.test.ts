import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { peerInstallSpecs, withPeers } from '../../lib/peers.js';

/*
 * lib/peers.ts: a module that imports a cloud SDK which is not installed fails as Node fails
 * it (ERR_MODULE_NOT_FOUND, from a directory with no node_modules), and comes out as the
 * install line. The packed-install case is in test/package-consumer.test.ts.
 */

const outside = mkdtempSync(join(tmpdir(), 'agent-perimeter-peers-'));
afterAll(() => rmSync(outside, { recursive: true, force: true }));

function moduleImporting(specifier: string): string {
  const file = join(outside, `${specifier.replace(/\W/g, '-')}.mjs`);
  writeFileSync(file, `import '${specifier}';\n`);
  return pathToFileURL(file).href;
}

/**
 * Runs withPeers over `import(specifier)` from a module outside the repository, in a real
 * Node process (vitest's own resolver would find the repository's packages).
 */
function outcome(specifier: string, sets: readonly string[]): { kind: string; text: string } {
  const target = moduleImporting(specifier);
  const script = join(outside, `run-${specifier.replace(/\W/g, '-')}.mts`);
  writeFileSync(
    script,
    [
      `import { withPeers, MissingPeerError } from ${JSON.stringify(pathToFileURL(resolve('lib/peers.ts')).href)};`,
      `try { await withPeers(${JSON.stringify(sets)}, 'plan-gcp', () => import(${JSON.stringify(target)}));`,
      `  console.log(JSON.stringify({ kind: 'loaded', text: '' }));`,
      `} catch (e) { console.log(JSON.stringify({ kind: e instanceof MissingPeerError ? \`missing:\${e.exitCode}\` : String(e.code), text: e.message })); }`,
    ].join('\n'),
  );
  const out = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
  return JSON.parse(out) as { kind: string; text: string };
}

describe('withPeers', () => {
  it('turns a missing peer into a UserError (exit 2) with the declared ranges', () => {
    expect(outcome('@pulumi/pulumi', ['aws', 'gcp'])).toEqual({
      kind: 'missing:2',
      text: `plan-gcp needs the optional peer dependency @pulumi/pulumi, which is not installed. Fix: npm install --save-dev ${peerInstallSpecs('gcp').join(' ')}`,
    });
  });

  it('leaves other failures alone: a missing module that is not one of the sets’ peers', () => {
    expect(outcome('some-unrelated-package', ['gcp']).kind).toBe('ERR_MODULE_NOT_FOUND');
    expect(outcome('@pulumi/pulumi', ['aws']).kind).toBe('ERR_MODULE_NOT_FOUND');
  });

  it('returns what the import gives when the peers are there', async () => {
    const loaded = await withPeers(['aws'], 'synth', () => import('aws-cdk-lib'));
    expect(typeof loaded.App).toBe('function');
  });
});

describe('peerInstallSpecs', () => {
  it('names each peer with the range package.json declares', () => {
    expect(peerInstallSpecs('gcp')).toEqual(['@pulumi/pulumi@^3.248.0', '@pulumi/gcp@^9.37.0']);
    expect(peerInstallSpecs('control-tower')).toEqual(['@cdklabs/cdk-validator-cfnguard@0.0.62']);
  });
});
