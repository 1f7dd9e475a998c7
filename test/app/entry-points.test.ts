import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The npm package's public surface (ADR 0030): the `exports` map names exactly four entry
 * points, each compiled from app/entry-points/<name>.ts, and each entry point reaches only the peer
 * dependencies it is documented to need, so an AWS-only app loads no Pulumi and the root and
 * verify entry points load no cloud SDK at all.
 */

interface PackageJson {
  readonly exports: Record<string, string | { types: string; default: string }>;
  readonly typesVersions: Record<string, Record<string, string[]>>;
  readonly peerDependencies: Record<string, string>;
  readonly peerDependenciesMeta: Record<string, { optional?: boolean }>;
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
  readonly files: string[];
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as PackageJson;
const ENTRY_POINTS = { '.': 'index', './aws': 'aws', './gcp': 'gcp', './verify': 'verify' };
const PEERS = ['aws-cdk-lib', 'constructs', 'cdk-nag', '@pulumi/pulumi', '@pulumi/gcp'];
const AWS_SDK = /^(aws-cdk-lib|constructs|cdk-nag)(\/|$)/;
const PULUMI = /^@pulumi\//;

/** Every module specifier a file loads at run time (type-only imports are erased). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const statics = [
    ...text.matchAll(/^\s*(import|export)(?!\s+type\b)[^'"]*?from\s+['"]([^'"]+)['"]/gm),
  ].map((m) => m[2] ?? '');
  const bare = [...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? '');
  const dynamic = [...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? '');
  return [...statics, ...bare, ...dynamic];
}

/** The packages an entry point reaches through its relative imports, with one path to each. */
function reachedPackages(entry: string): Map<string, string[]> {
  const reached = new Map<string, string[]>();
  const seen = new Set<string>();
  const visit = (file: string, trail: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of runtimeImports(file)) {
      if (specifier.startsWith('.')) {
        const target = normalize(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
        if (!existsSync(target)) throw new Error(`${file} imports missing ${specifier}`);
        visit(target, [...trail, target]);
      } else if (!specifier.startsWith('node:') && !reached.has(specifier)) {
        reached.set(specifier, trail);
      }
    }
  };
  visit(entry, [entry]);
  return reached;
}

function offending(entry: string, forbidden: RegExp): string[] {
  return [...reachedPackages(entry)]
    .filter(([name]) => forbidden.test(name))
    .map(([name, trail]) => `${name} via ${trail.join(' -> ')}`);
}

describe('the package exports map', () => {
  it('names exactly the four entry points (and package.json), compiled from app/entry-points/', () => {
    expect(Object.keys(pkg.exports).sort()).toEqual(
      [...Object.keys(ENTRY_POINTS), './package.json'].sort(),
    );
    for (const [subpath, name] of Object.entries(ENTRY_POINTS)) {
      expect(pkg.exports[subpath], subpath).toEqual({
        types: `./dist/app/entry-points/${name}.d.ts`,
        default: `./dist/app/entry-points/${name}.js`,
      });
      expect(existsSync(`app/entry-points/${name}.ts`), `app/entry-points/${name}.ts`).toBe(true);
    }
  });

  it('gives moduleResolution "node" (older tsconfigs) the same declarations', () => {
    for (const [subpath, name] of Object.entries(ENTRY_POINTS)) {
      if (subpath === '.') continue;
      expect(pkg.typesVersions['*']?.[name]).toEqual([`dist/app/entry-points/${name}.d.ts`]);
    }
  });

  it('ships the compiled code, the launcher and the default policy, not the sources', () => {
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'bin/agent-perimeter.js']));
    expect(pkg.files).toContain('agent-perimeter.yaml');
    expect(pkg.files.filter((f) => /^(lib|cdk|pulumi|proxy|app)\b/.test(f))).toEqual([]);
  });

  it('takes every cloud SDK as an optional peer, installed here only for development', () => {
    for (const peer of PEERS) {
      expect(pkg.peerDependencies[peer], peer).toMatch(/^\^\d+\.\d+\.\d+$/);
      expect(pkg.peerDependenciesMeta[peer]?.optional, peer).toBe(true);
      expect(pkg.dependencies[peer], peer).toBeUndefined();
      // The repository pins the version the peer range starts at: what the tests ran on.
      expect(`^${pkg.devDependencies[peer]}`, peer).toBe(pkg.peerDependencies[peer]);
    }
  });
});

describe('each entry point reaches only the peers it needs', () => {
  it('agent-perimeter (policy and renderers) and agent-perimeter/verify: no cloud SDK', () => {
    for (const entry of ['app/entry-points/index.ts', 'app/entry-points/verify.ts']) {
      expect(offending(entry, AWS_SDK), entry).toEqual([]);
      expect(offending(entry, PULUMI), entry).toEqual([]);
    }
  });

  it('agent-perimeter/aws: the AWS CDK, never Pulumi', () => {
    expect(offending('app/entry-points/aws.ts', PULUMI)).toEqual([]);
    expect(reachedPackages('app/entry-points/aws.ts').has('aws-cdk-lib')).toBe(true);
  });

  it('agent-perimeter/gcp: Pulumi, never the AWS CDK', () => {
    expect(offending('app/entry-points/gcp.ts', AWS_SDK)).toEqual([]);
    expect(reachedPackages('app/entry-points/gcp.ts').has('@pulumi/pulumi')).toBe(true);
  });

  it('every package an entry point reaches is a dependency or a declared peer', () => {
    const declared = new Set([
      ...Object.keys(pkg.dependencies),
      ...Object.keys(pkg.peerDependencies),
    ]);
    for (const entry of Object.values(ENTRY_POINTS)) {
      const missing = [...reachedPackages(`app/entry-points/${entry}.ts`).keys()]
        .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]))
        .filter((name) => name !== undefined && !declared.has(name));
      expect(missing, entry).toEqual([]);
    }
  });
});

describe('the entry points from the sources', () => {
  it('export the names users and docs script against', async () => {
    const root = await import('../../app/entry-points/index.js');
    expect(typeof root.loadPolicy).toBe('function');
    expect(typeof root.renderCheckedProxyConfig).toBe('function');
    expect(typeof root.validateEnvoyConfig).toBe('function');
    const aws = await import('../../app/entry-points/aws.js');
    for (const name of ['loadPolicy', 'AgentNetwork', 'ProxyTier', 'AgentWorkloads'] as const) {
      expect(typeof aws[name], name).toBe('function');
    }
    const gcp = await import('../../app/entry-points/gcp.js');
    expect(typeof gcp.AgentPerimeter).toBe('function');
    expect(typeof gcp.loadPolicy).toBe('function');
    const verify = await import('../../app/entry-points/verify.js');
    expect(typeof verify.verifyTemplate).toBe('function');
  });
});
