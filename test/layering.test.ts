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

  it('the check sees real imports', () => {
    expect(imports('proxy/render/bootstrap.ts')).toContain('../../lib/policy/index.js');
  });
});
