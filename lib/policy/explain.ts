import { ANTHROPIC_API_HOST } from './derived.js';
import { defaultModel, listedModels, modelListenerFrom } from './model-access.js';
import { policyProfiles } from './profiles.js';
import type { EgressRule, Policy } from './schema.js';

/*
 * `check-policy --explain`: what each profile may reach and which credentials the proxy adds
 * for it, as the renderers will build it. Reviewers read this instead of working out
 * inheritance from the file.
 */

function describeEntry(rule: EgressRule): string {
  const parts = [`${rule.host}:${rule.ports.join(',')}`];
  if (rule.inject !== undefined) parts.push('base URL only');
  else if (!rule.tls) parts.push('opaque tunnel (tls: false)');
  if (rule.private !== undefined && rule.private !== false) {
    parts.push(
      `internal ${rule.private === true ? '(any internal range)' : rule.private.join(', ')}`,
    );
  }
  return parts.join('  ');
}

/** One block per profile: listeners, effective allowlist, injected credentials, model access. */
export function explainPolicy(policy: Policy): string {
  const lines: string[] = [];
  for (const profile of policyProfiles(policy)) {
    const from = profile.ownEgress ? `its own ${profile.egressPath}` : 'the top-level egress';
    lines.push(`profile "${profile.name}" (agents[${profile.index}]): allowlist from ${from}`);
    lines.push(`  forward proxy   port ${profile.forwardProxyPort} (HTTPS_PROXY)`);
    for (const rule of profile.egress) lines.push(`  allow           ${describeEntry(rule)}`);
    if (profile.inject.length === 0) lines.push('  inject          none');
    for (const l of profile.inject) {
      lines.push(
        `  inject          ${l.env}=http://<proxy>:${l.port} -> https://${l.host}${l.upstreamPort === 443 ? '' : `:${l.upstreamPort}`}, header ${l.header} from secret "${l.secret}"`,
      );
    }
    const model = profile.model === undefined ? undefined : modelListenerFrom(profile.model);
    const from2 =
      profile.modelAccessPath === 'model_access'
        ? 'the top-level model_access'
        : `its own ${profile.modelAccessPath}`;
    if (model === undefined) {
      const api = profile.egress.some((r) => r.host === ANTHROPIC_API_HOST);
      lines.push(
        `  model           anthropic (${from2}): ${api ? `${ANTHROPIC_API_HOST} through its allowlist` : `none, its allowlist has no ${ANTHROPIC_API_HOST}`}`,
      );
    } else {
      const where =
        model.access.provider === 'bedrock'
          ? `Bedrock ${model.access.region}`
          : `Vertex AI ${model.access.project}/${model.access.region}`;
      lines.push(
        `  model           ${model.env}=http://<proxy>:${model.port}${model.basePath} -> ${where} (${from2}${model.profiles.length > 1 ? `, shared by ${model.profiles.length} profiles` : ''}), credential added by the proxy`,
      );
      lines.push(
        `  models          ${listedModels(model.access).join(', ')} (default ${defaultModel(model.access) ?? 'none'})`,
      );
    }
  }
  return lines.join('\n');
}
