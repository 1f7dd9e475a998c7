import { resolve } from 'node:path';
import { Stack, Stage, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { ExpectedProxy } from '../../lib/contract/proxy-identity.js';
import { AgentNetwork } from '../network/index.js';
import { ProxyTier } from '../proxy-tier/index.js';

/*
 * What the containment verifier needs to know about a template that the perimeter constructs
 * already know: the ports agents may use on the proxy tier (from the policy) and the S3 prefix
 * list id when it was given as a literal (`s3PrefixListId`), and the image and config the
 * proxy tasks must run. Read from the construct tree at
 * validation time, so an app that only calls `addAgentPerimeterChecks(app)` (or registers
 * ContainmentChecks itself) gets the same proof as `agent-perimeter synth`.
 */

export interface DerivedOptions {
  /** The agent-facing proxy ports of every AgentNetwork in the stack; undefined when none. */
  readonly proxyPorts?: readonly number[];
  /** Each profile's agent-facing ports, when an AgentNetwork in the stack has several. */
  readonly profilePorts?: Readonly<Record<string, readonly number[]>>;
  /** Literal S3 prefix list ids given to AgentNetworks in the stack, `{ id: 's3' }`. */
  readonly managedPrefixLists: Readonly<Record<string, string>>;
  /** The proxy identity of the stack's ProxyTier; undefined when none, or several differ. */
  readonly expectedProxy?: ExpectedProxy;
}

/** The stack whose template is `templatePath` in the assembly of `app`, if any. */
function stackOfTemplate(app: IConstruct, templatePath: string): Stack | undefined {
  const wanted = resolve(templatePath);
  return app.node.findAll().find((c): c is Stack => {
    if (!Stack.isStack(c)) return false;
    const outdir = Stage.of(c)?.outdir;
    return outdir !== undefined && resolve(outdir, c.templateFile) === wanted;
  });
}

/** The options the perimeter constructs in `templatePath`'s stack imply. */
export function derivedOptions(app: IConstruct | undefined, templatePath: string): DerivedOptions {
  const stack = app === undefined ? undefined : stackOfTemplate(app, templatePath);
  if (stack === undefined) return { managedPrefixLists: {} };
  const networks = stack.node
    .findAll()
    .filter((c): c is AgentNetwork => c instanceof AgentNetwork && Stack.of(c) === stack);
  const ports = [...new Set(networks.flatMap((n) => n.proxyPorts))].sort((a, b) => a - b);
  const profilePorts = networks.find((n) => n.profilePorts !== undefined)?.profilePorts;
  const lists: Record<string, string> = {};
  for (const network of networks) {
    if (network.s3PrefixListLookup === undefined && !Token.isUnresolved(network.s3PrefixListId)) {
      lists[network.s3PrefixListId] = 's3';
    }
  }
  const proxies = stack.node
    .findAll()
    .filter((c): c is ProxyTier => c instanceof ProxyTier && Stack.of(c) === stack)
    .map((p) => p.expectedProxy);
  const identities = new Set(proxies.map((p) => `${p.image}\u0000${p.configDigest}`));
  return {
    ...(ports.length === 0 ? {} : { proxyPorts: ports }),
    ...(profilePorts === undefined ? {} : { profilePorts }),
    managedPrefixLists: lists,
    ...(identities.size === 1 && proxies[0] !== undefined ? { expectedProxy: proxies[0] } : {}),
  };
}
