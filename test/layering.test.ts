import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The folder rules that keep the blueprint forkable: lib/ is provider-neutral, and cdk/,
 * pulumi/ and proxy/ never import each other; app/ (the pipeline) wires them together and
 * bin/ (commands, entry points) only parses arguments and prints.
 */

const CLOUD_SDKS = /^(aws-cdk-lib|constructs|cdk-nag|@pulumi\/)/;

function sources(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map(
    (m) => m[1] ?? '',
  );
}

function violations(folder: string, forbidden: (specifier: string) => boolean): string[] {
  return sources(folder).flatMap((file) =>
    imports(file)
      .filter(forbidden)
      .map((s) => `${file} imports ${s}`),
  );
}

const crossesInto = (folders: string[]) => (s: string) =>
  folders.some((f) => new RegExp(`^(\\.\\./)+${f}/`).test(s));

/** Tests of the whole repository rather than of one part of it, kept at the top of test/. */
const CROSS_CUTTING_TESTS = [
  'test/api-docs.test.ts',
  'test/layering.test.ts',
  'test/package-consumer.test.ts',
  'test/readme.test.ts',
];

describe('folder layering', () => {
  it('lib/ imports no cloud SDK and none of cdk/, pulumi/, proxy/', () => {
    expect(
      violations('lib', (s) => CLOUD_SDKS.test(s) || crossesInto(['cdk', 'pulumi', 'proxy'])(s)),
    ).toEqual([]);
  });

  it('proxy/ imports no cloud SDK and neither cdk/ nor pulumi/', () => {
    expect(
      violations('proxy', (s) => CLOUD_SDKS.test(s) || crossesInto(['cdk', 'pulumi'])(s)),
    ).toEqual([]);
  });

  it('cdk/ imports neither proxy/ nor pulumi/', () => {
    expect(violations('cdk', crossesInto(['proxy', 'pulumi']))).toEqual([]);
  });

  it('pulumi/ imports neither proxy/ nor cdk/', () => {
    expect(violations('pulumi', crossesInto(['proxy', 'cdk']))).toEqual([]);
  });

  it('nothing below the pipeline imports it: app/ and bin/ wire, the rest is wired', () => {
    for (const folder of ['lib', 'proxy', 'cdk', 'pulumi']) {
      expect(violations(folder, crossesInto(['app', 'bin']))).toEqual([]);
    }
    expect(violations('app', crossesInto(['bin']))).toEqual([]);
  });

  it('nothing imports the package entry points: app/entry-points/ only re-exports', () => {
    const entryPoints = resolve('app/entry-points');
    const found = ['lib', 'proxy', 'cdk', 'pulumi', 'app', 'bin'].flatMap((folder) =>
      sources(folder)
        .filter((file) => !resolve(file).startsWith(`${entryPoints}/`))
        .flatMap((file) =>
          imports(file)
            .filter((s) => s.startsWith('.'))
            .filter((s) => resolve(dirname(file), s).startsWith(`${entryPoints}/`))
            .map((s) => `${file} imports ${s}`),
        ),
    );
    expect(found).toEqual([]);
    expect(sources('app').some((f) => f.includes('entry-points/'))).toBe(true);
  });

  it("lib/containment's analysis and checks are neutral: no adapter, no cloud words", () => {
    const neutral = ['lib/containment/analysis', 'lib/containment/checks'];
    const adapters = /(^|\/)(aws|gcp|aws-describe)\//;
    for (const folder of neutral) {
      expect(violations(folder, (s) => s.startsWith('..') && adapters.test(s))).toEqual([]);
      for (const file of sources(folder)) {
        // Provider words come from the adapter's terms (aws/terms.ts, gcp/terms.ts).
        expect(readFileSync(file, 'utf8'), file).not.toMatch(/\b(AWS|GCP)_TERMS\b/);
      }
    }
  });

  it("lib/containment's adapters do not import each other", () => {
    expect(violations('lib/containment/aws', crossesInto(['gcp']))).toEqual([]);
    expect(violations('lib/containment/gcp', crossesInto(['aws', 'aws-describe']))).toEqual([]);
  });

  it('tests mirror the tree: each is named after the file, folder or example it covers', () => {
    const exists = (p: string) => {
      try {
        statSync(p);
        return true;
      } catch {
        return false;
      }
    };
    // `name.aspect.test.ts` covers one aspect of `name` (cdk/network.lean.test.ts).
    const covered = (f: string) =>
      f.slice('test/'.length, -'.test.ts'.length).replace(/\.[^/]*$/, '');
    const orphans = sources('test')
      .filter((f) => f.endsWith('.test.ts') && !f.startsWith('test/conformance/'))
      .filter((f) => !CROSS_CUTTING_TESTS.includes(f))
      .filter((f) => {
        const target = covered(f);
        if (target.startsWith('examples/')) return !exists(`${target}.yaml`);
        return !['.ts', '.js', ''].some((ext) => exists(`${target}${ext}`));
      });
    expect(orphans).toEqual([]);
  });

  it('the check sees real imports', () => {
    expect(imports('proxy/render/bootstrap.ts')).toContain('../../lib/policy/index.js');
  });
});
