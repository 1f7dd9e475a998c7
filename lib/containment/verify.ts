import { readFileSync } from 'node:fs';
import { TIER_TAG, Tier } from '../contract/tiers.js';
import { parseJsonOr } from '../json.js';
import {
  type AgentReach,
  type AnalysisOptions,
  analyze,
  type ContainmentResult,
} from './analyze.js';
import { type CloudFormationOptions, modelsFromTemplate } from './aws/adapter.js';
import { TemplateError } from './aws/template.js';
import { type GcpOptions, isGcpInput, modelFromGcp } from './gcp/adapter.js';
import { dedupeViolations, formatViolation, type Violation } from './violations.js';

export interface VerifyOptions extends CloudFormationOptions, GcpOptions, AnalysisOptions {}

/**
 * One input's result: the analysis of its models merged over their condition and parameter
 * cases (so without one case's `assumptions`), with how many cases there were.
 */
export interface TemplateReport extends Omit<ContainmentResult, 'assumptions'> {
  /** How many condition/parameter combinations were checked. */
  readonly cases: number;
  /**
   * Set for GCP input (an offline plan or the output of `pulumi stack export`) and for an AWS
   * describe snapshot (`verify --aws-describe`).
   */
  readonly format?: 'gcp-plan' | 'gcp-stack-export' | 'aws-describe';
}

export interface VerifyReport {
  readonly contained: boolean;
  readonly templates: readonly TemplateReport[];
  readonly violations: readonly Violation[];
}

/**
 * Verifies one CloudFormation template (parsed JSON), or a GCP plan or `pulumi stack export`
 * output. A violation found only under some condition values says so: "(when condition
 * UseNat is true)".
 */
export function verifyTemplate(
  json: unknown,
  source: string,
  options: VerifyOptions = {},
): TemplateReport {
  if (isGcpInput(json)) return verifyGcp(json, source, options);
  const results = modelsFromTemplate(json, source, options).map((m) => ({
    model: m,
    result: analyze(m, options),
  }));
  const seen = new Map<string, { v: Violation; worlds: string[] }>();
  for (const { model, result } of results) {
    for (const v of result.violations) {
      const key = `${v.resource}\u0000${v.channel}\u0000${v.explanation}`;
      const entry = seen.get(key) ?? { v, worlds: [] };
      entry.worlds.push(model.assumptions ?? '');
      seen.set(key, entry);
    }
  }
  const violations = [...seen.values()].map(({ v, worlds }) =>
    worlds.length === results.length
      ? v
      : { ...v, explanation: `${v.explanation} (when ${worlds.join('; or when ')})` },
  );
  const agents = new Map<string, AgentReach>();
  for (const { result } of results)
    for (const a of result.agents) if (!agents.has(a.id)) agents.set(a.id, a);
  const first = results[0]?.result;
  return {
    source,
    agents: [...agents.values()],
    violations: dedupeViolations(violations),
    proxyPorts: first?.proxyPorts ?? [],
    proxyPortsSource: first?.proxyPortsSource ?? '',
    allowed: first?.allowed ?? '',
    cases: results.length,
  };
}

/** Verifies a GCP plan or `pulumi stack export` output (parsed JSON). */
export function verifyGcp(
  json: unknown,
  source: string,
  options: VerifyOptions = {},
): TemplateReport {
  const model = modelFromGcp(json, source, options);
  const result = analyze(model, options);
  return {
    source,
    agents: result.agents,
    violations: result.violations,
    proxyPorts: result.proxyPorts,
    proxyPortsSource: result.proxyPortsSource,
    allowed: result.allowed,
    cases: 1,
    format: model.provider.endsWith('stack-export') ? 'gcp-stack-export' : 'gcp-plan',
  };
}

/** Parses template text; a file that is not JSON is a {@link TemplateError}. */
export function verifyTemplateText(
  text: string,
  source: string,
  options: VerifyOptions = {},
): TemplateReport {
  const json = parseJsonOr(
    text,
    (detail) =>
      new TemplateError(
        `${source}: not JSON (${detail}). Fix: pass a synthesized CloudFormation template (cdk.out/<stack>.template.json), a GCP plan (cdk.out/gcp-plan.json) or the output of \`pulumi stack export\`; YAML templates are not read.`,
      ),
  );
  return verifyTemplate(json, source, options);
}

/** Reads and verifies template files; an unreadable file is a {@link TemplateError}. */
export function verifyTemplateFiles(
  paths: readonly string[],
  options: VerifyOptions = {},
  names: readonly string[] = paths,
): VerifyReport {
  const templates = paths.map((path, i) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const what =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EISDIR'
            ? 'is a directory'
            : `cannot be read (${code ?? String(error)})`;
      throw new TemplateError(
        `${names[i] ?? path}: ${what}. Fix: pass a CloudFormation template file, e.g. cdk.out/<stack>.template.json.`,
      );
    }
    return verifyTemplateText(text, names[i] ?? path, options);
  });
  return combine(templates);
}

export function combine(templates: readonly TemplateReport[]): VerifyReport {
  const violations = templates.flatMap((t) => t.violations);
  return { contained: violations.length === 0, templates, violations };
}

/** "1 template", "2 GCP plans", "3 files" (mixed input). */
function inputsPhrase(templates: readonly TemplateReport[]): string {
  const words = new Set(
    templates.map((t) =>
      t.format === 'gcp-plan'
        ? 'GCP plan'
        : t.format === 'gcp-stack-export'
          ? 'GCP stack'
          : t.format === 'aws-describe'
            ? 'AWS describe snapshot'
            : 'template',
    ),
  );
  const word = words.size === 1 ? ([...words][0] as string) : 'file';
  return `${templates.length} ${word}${templates.length === 1 ? '' : 's'}`;
}

/**
 * "contained: 2 agent attachment(s) in 1 template reach only the proxy tier on 3128, 8081
 * and the endpoints on 443", or one line per violation.
 */
export function formatReport(report: VerifyReport): string[] {
  const many = report.templates.length > 1;
  if (!report.contained) return report.violations.map((v) => formatViolation(v, many));
  const agents = report.templates.reduce((n, t) => n + t.agents.length, 0);
  const ports = [...new Set(report.templates.flatMap((t) => t.proxyPorts))].sort((a, b) => a - b);
  const cases = report.templates.reduce((n, t) => n + t.cases, 0);
  const extra = cases > report.templates.length ? ` (${cases} condition/parameter cases)` : '';
  const templates = inputsPhrase(report.templates);
  if (agents === 0) {
    const gcp = report.templates.every((t) => t.format?.startsWith('gcp') === true);
    return [
      `contained: no agent attachment in ${templates}${extra} (${gcp ? 'no Cloud Run service or job, nothing with the agent network tag' : `nothing is tagged ${TIER_TAG}=${Tier.AGENT} or placed in an agent subnet or security group`})`,
    ];
  }
  return [
    `contained: ${agents} agent attachment(s) in ${templates}${extra} reach only the proxy tier on ${ports.join(', ') || 'no port'} and the endpoints on 443`,
  ];
}
