import { UserError } from '../lib/errors.js';
import type { Policy } from '../lib/policy/index.js';
import { type RenderOptions, renderProxyConfig } from './render/bootstrap.js';
import type { JsonObject } from './render/types.js';
import { validateEnvoyConfig } from './validate/index.js';

/**
 * Renders the proxy config and validates it against Envoy's API. A failure here is a bug in
 * the renderer (the policy was already valid), so the message asks for a report.
 */
export function renderCheckedProxyConfig(policy: Policy, options: RenderOptions = {}): JsonObject {
  const config = renderProxyConfig(policy, options);
  const issues = validateEnvoyConfig(config);
  if (issues.length > 0) {
    const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
    throw new UserError(
      `the rendered Envoy config failed validation against Envoy's v3 API (${issues.length} issue(s)); nothing was written. This is a bug in agent-perimeter's renderer, please report it with your policy:\n${lines}`,
      1,
    );
  }
  return config;
}
