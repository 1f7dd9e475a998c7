import { verifyTemplate } from '../lib/containment/index.js';
import { realTemplate, scaledTemplate } from '../test/helpers/containment-template.js';
import { type Measurement, report, time } from './harness.js';

/*
 * Containment verification cost by template size: the real synthesized stack, and copies of
 * it 10x and 100x larger (every resource replicated with renamed logical ids, so each copy
 * is one more VPC with its own perimeter). Times are medians, shown as ratios to the real
 * template measured in the same run.
 */

const { template } = realTemplate();
const sizes = [1, 10, 100] as const;
const rows: Measurement[] = [];
const perResource = new Map<number, number>();
for (const copies of sizes) {
  const t = scaledTemplate(template, copies);
  const resources = Object.keys(t.Resources).length;
  const result = verifyTemplate(t, 'bench');
  if (result.violations.length > 0)
    throw new Error(`bench template is not contained: ${result.violations[0]?.explanation}`);
  const runs = copies >= 100 ? 5 : 15;
  const ms = time(() => verifyTemplate(t, 'bench'), runs);
  perResource.set(copies, ms / resources);
  rows.push({
    name: copies === 1 ? 'real template' : `${copies}x template`,
    ms,
    runs,
    note: `${resources} resources, ${result.agents.length} agent attachments, ${((ms / resources) * 1000).toFixed(0)} us/resource`,
  });
}
report(
  'Containment verification (parse intrinsics, build the model, analyze)',
  rows,
  'real template',
);

const per = (n: number) => perResource.get(n) ?? Number.NaN;
console.log(
  `\nscaling: per-resource cost at 10x is ${(per(10) / per(1)).toFixed(2)}x and at 100x ${(per(100) / per(1)).toFixed(2)}x the real template's (1.00 = linear)`,
);
const tenfold = rows[1];
if (tenfold !== undefined && tenfold.ms > 1000) {
  console.log(
    `WARNING: ${tenfold.name} took ${tenfold.ms.toFixed(0)} ms; 1,000+ resources must verify in under 1 s`,
  );
}
