import { stringify } from 'yaml';
import { parsePolicy } from '../lib/policy/index.js';
import { renderProxyConfig } from '../proxy/index.js';
import { validateEnvoyConfig } from '../proxy/validate/index.js';
import { type Measurement, report, time } from './harness.js';
import { syntheticPolicyYaml } from './policies.js';

/*
 * Render + validate cost by policy size. Each size is measured as "parse the policy, render
 * the Envoy config, validate it against Envoy's protos"; the baseline is YAML-serializing the
 * 10-host config, a fixed unit of work measured in the same run on the same machine.
 */

function pipeline(text: string): void {
  const config = renderProxyConfig(parsePolicy(text));
  const issues = validateEnvoyConfig(config);
  if (issues.length > 0) throw new Error(`bench config is invalid: ${issues[0]?.message}`);
}

const sizes = [10, 100, 1000] as const;
const texts = new Map(sizes.map((n) => [n, syntheticPolicyYaml(n)]));

// Cold: the first call also loads Envoy's protos (once per process).
const coldStart = performance.now();
pipeline(texts.get(1000) ?? '');
const cold = performance.now() - coldStart;

const small = renderProxyConfig(parsePolicy(texts.get(10) ?? ''));
const rows: Measurement[] = [
  { name: 'baseline: yaml of 10-host config', ms: time(() => stringify(small), 50), runs: 50 },
];
for (const n of sizes) {
  const runs = n >= 1000 ? 7 : 25;
  const ms = time(() => pipeline(texts.get(n) ?? ''), runs);
  rows.push({
    name: `render+validate ${n} hosts`,
    ms,
    runs,
    note: `${((ms / n) * 1000).toFixed(0)} us/host`,
  });
}
rows.push({ name: 'cold 1000 hosts (incl. proto load)', ms: cold, runs: 1 });
report('Policy -> Envoy config -> validation', rows, 'baseline: yaml of 10-host config');

const per = (n: number) => (rows.find((r) => r.name === `render+validate ${n} hosts`)?.ms ?? 0) / n;
console.log(
  `\nscaling: per-host cost at 1000 hosts is ${(per(1000) / per(100)).toFixed(2)}x the cost at 100 hosts (1.00 = linear)`,
);
