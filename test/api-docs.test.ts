import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/*
 * The public API's TSDoc is its reference (typedoc renders it: `npm run docs:api`): every
 * optional property of an exported *Props or *Args interface says what happens without it,
 * with `@default <value>` or `@default - <what happens>` (the AWS CDK's convention).
 */

const ENTRY_POINTS = [
  'app/entry-points/index.ts',
  'app/entry-points/aws.ts',
  'app/entry-points/gcp.ts',
  'app/entry-points/verify.ts',
];

function undocumentedDefaults(): { entries: number; props: number; missing: string[] } {
  const program = ts.createProgram(ENTRY_POINTS, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const missing = new Set<string>();
  let props = 0;
  for (const entry of ENTRY_POINTS) {
    const file = program.getSourceFile(entry);
    const module = file === undefined ? undefined : checker.getSymbolAtLocation(file);
    if (module === undefined) throw new Error(`${entry}: not a module`);
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (!(symbol.flags & ts.SymbolFlags.Interface) || !/(Props|Args)$/.test(symbol.name)) {
        continue;
      }
      for (const prop of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))) {
        if (!(prop.flags & ts.SymbolFlags.Optional)) continue;
        props += 1;
        if (!prop.getJsDocTags(checker).some((t) => t.name === 'default')) {
          missing.add(`${symbol.name}.${prop.name} (${entry})`);
        }
      }
    }
  }
  return { entries: ENTRY_POINTS.length, props, missing: [...missing].sort() };
}

describe('the public API reference', () => {
  // A whole-program type check (aws-cdk-lib's declarations included): give it time on a busy machine.
  it('documents the default of every optional construct and component prop', {
    timeout: 300_000,
  }, () => {
    const { props, missing } = undocumentedDefaults();
    expect(missing).toEqual([]);
    // The check sees the construct props (AgentNetworkProps alone has a dozen optional ones).
    expect(props).toBeGreaterThan(50);
  });
});
