import type { EgressRule, Policy, RequestRule } from '../../lib/policy/index.js';
import { DENY_PREFIX } from '../../lib/proxy-contract.js';
import { denyPlain } from './http.js';
import type { Json, JsonObject } from './types.js';

/*
 * An `allow` rule as Envoy route matches. Shared by base-URL listeners and intercepted hosts,
 * so a rule means the same wherever it is written.
 */

/** Git's smart-HTTP services: clone and fetch read with upload-pack, push writes with receive-pack. */
export const GIT_SERVICES = { fetch: 'git-upload-pack', push: 'git-receive-pack' } as const;

const method = (m: string) => ({ name: ':method', string_match: { exact: m } });

/** The route matches of one git rule: the paths with and without ".git", each service's refs. */
function gitMatches(repo: string, push: boolean): JsonObject[] {
  const services = push ? [GIT_SERVICES.fetch, GIT_SERVICES.push] : [GIT_SERVICES.fetch];
  return [`/${repo}.git`, `/${repo}`].flatMap((base) =>
    services.flatMap((service): JsonObject[] => [
      {
        path: `${base}/info/refs`,
        headers: [method('GET')],
        query_parameters: [{ name: 'service', string_match: { exact: service } }],
      },
      { path: `${base}/${service}`, headers: [method('POST')] },
    ]),
  );
}

/** Route matches for one rule (several for a git rule). Paths and methods are case sensitive. */
export function ruleMatches(rule: RequestRule): JsonObject[] {
  if (rule.git_repo !== undefined) return gitMatches(rule.git_repo, rule.push === true);
  const where: JsonObject =
    rule.path !== undefined ? { path: rule.path } : { prefix: rule.path_prefix ?? '/' };
  return [{ ...where, headers: [method(rule.method ?? 'GET')] }];
}

/** One rule in a refusal message, e.g. "POST /v1/messages" or "git acme/widgets (push)". */
export function describeRule(rule: RequestRule): string {
  if (rule.git_repo !== undefined) {
    return `git ${rule.git_repo} (${rule.push === true ? 'fetch and push' : 'fetch only'})`;
  }
  return `${rule.method} ${rule.path ?? `${rule.path_prefix}...`}`;
}

/**
 * The routes of an entry's requests: `forward` for each match of each `allow` rule (with the
 * rule's index), then a 403 whose reason `refusal` words from the rules' descriptions; without
 * rules, one route (no index) forwards everything.
 */
export function allowRoutes(
  policy: Policy,
  rule: EgressRule,
  forward: (match: JsonObject, ruleIndex?: number) => Json,
  refusal: (allowed: readonly string[]) => string,
): Json[] {
  if (rule.allow === undefined) return [forward({ prefix: '/' })];
  return [
    ...rule.allow.flatMap((r, i) => ruleMatches(r).map((match) => forward(match, i))),
    denyPlain(`${DENY_PREFIX}request_not_allowed`, policy, refusal(rule.allow.map(describeRule))),
  ];
}
