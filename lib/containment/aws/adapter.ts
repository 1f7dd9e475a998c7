import type { ContainmentModel } from '../model.js';
import { type AdapterOptions, Builder } from './builder.js';
import { buildDns } from './dns.js';
import { buildSecurityGroups } from './firewall.js';
import { buildNetwork } from './network.js';
import { Resolver, type Trust } from './resolve.js';
import { buildEndpoints, buildProxyListeners } from './services.js';
import { asTemplate } from './template.js';
import { AWS_TERMS } from './terms.js';
import { buildWorkloads } from './workloads.js';
import { enumerateWorlds, MAX_WORLDS } from './worlds.js';

export interface CloudFormationOptions extends AdapterOptions {
  /** Export names of `Fn::ImportValue`s (or literal ids) assumed not to open a path. */
  readonly trustedImports?: readonly string[];
  /** Parameters assumed not to open a path, whatever their deploy-time value. */
  readonly trustedParameters?: readonly string[];
}

/**
 * The AWS adapter: one model per combination of open conditions and parameter values
 * (usually exactly one). Reads only JSON; no AWS SDK, no credentials.
 */
export function modelsFromTemplate(
  json: unknown,
  source: string,
  options: CloudFormationOptions = {},
): ContainmentModel[] {
  const template = asTemplate(json, source);
  const trust: Trust = {
    imports: new Set(options.trustedImports ?? []),
    parameters: new Set(options.trustedParameters ?? []),
  };
  const { worlds, truncated } = enumerateWorlds(template, trust);
  return worlds.map(({ world, label }) => {
    const b = new Builder(new Resolver(template, world, trust), options);
    buildNetwork(b);
    buildSecurityGroups(b);
    buildEndpoints(b);
    buildProxyListeners(b);
    buildDns(b);
    buildWorkloads(b);
    if (truncated !== undefined) {
      b.unprovable.push({
        resource: source,
        explanation: `the template's conditions and parameter AllowedValues combine into ${truncated} cases, more than the ${MAX_WORLDS} the verifier checks, so conditional resources and values were not all proved. Fix: use fewer open conditions, or trust the parameters with --trust-parameter.`,
      });
    }
    return b.toModel(
      'aws-cloudformation',
      AWS_TERMS,
      source,
      label === undefined ? {} : { assumptions: label },
    );
  });
}
