import type { RequestRule } from '../../lib/policy/index.js';
import type { JsonObject } from './types.js';

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
