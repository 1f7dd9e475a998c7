import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatProblems, type Problem, UserError } from '../errors.js';
import { interceptedRules, type Policy } from '../policy/index.js';
import { type CaFacts, caProblems, inspectCa } from './inspect.js';

/** The policy's private CA as the stacks use it: public certificates only, never the key. */
export interface PolicyCa {
  /** The signing CA's certificate (PEM): the proxy issues leaves with it and its secret key. */
  readonly certificatePem: string;
  /** Every certificate agents trust: the CA first, then `also_trusted` (rotation overlap). */
  readonly trustedPem: string;
  /** The secret holding the CA's private key. */
  readonly keySecret: string;
  readonly leafDays: number;
  readonly facts: CaFacts;
}

const FIELD = 'proxy.interception';

function readCertificate(
  base: string,
  file: string,
  path: string,
  problems: Problem[],
): { pem: string; facts: CaFacts } | undefined {
  const full = resolve(base, file);
  if (!existsSync(full)) {
    problems.push({
      path,
      message: `"${file}" does not exist (looked at ${full}). Fix: run \`agent-perimeter ca create --policy FILE --out DIR\` and point this at DIR/ca.crt, relative to the policy file.`,
    });
    return undefined;
  }
  const pem = readFileSync(full, 'utf8');
  if (/PRIVATE KEY-----/.test(pem)) {
    problems.push({
      path,
      message: `"${file}" holds a private key. The CA key belongs only in the secret store named by \`ca_secret\`. Fix: point this at the certificate (ca.crt), and delete the key from this place if it is shared.`,
    });
    return undefined;
  }
  try {
    return { pem, facts: inspectCa(pem) };
  } catch {
    problems.push({
      path,
      message: `"${file}" is not a PEM X.509 certificate. Fix: use the ca.crt \`agent-perimeter ca create\` wrote.`,
    });
    return undefined;
  }
}

/**
 * Reads and checks the CA certificates the policy names, relative to `policyPath`. Returns
 * undefined when nothing is intercepted. Throws a UserError (exit 2) naming the field, the
 * value and the fix; `check-policy` and synth both call this, so they agree.
 */
export function loadPolicyCa(
  policy: Policy,
  policyPath: string,
  source: string,
  now: Date = new Date(),
): PolicyCa | undefined {
  const hosts = interceptedRules(policy).map((r) => r.host);
  const interception = policy.proxy.interception;
  if (hosts.length === 0) return undefined;
  const problems: Problem[] = [];
  if (interception === undefined) {
    const i = policy.egress.findIndex((r) => r.tls === 'intercept');
    problems.push({
      path: `egress[${i}].tls`,
      message:
        'is "intercept", but the policy names no private CA. Fix: run `agent-perimeter ca create --policy FILE --out ca`, store ca/ca.key in your secret store and add `proxy.interception: { ca_secret: <its name>, ca_certificate: ca/ca.crt }`.',
    });
    throw new UserError(`${source}: invalid policy:\n${formatProblems(problems, source)}`);
  }
  const base = dirname(policyPath);
  const ca = readCertificate(
    base,
    interception.ca_certificate,
    `${FIELD}.ca_certificate`,
    problems,
  );
  if (ca !== undefined) {
    for (const message of caProblems(ca.facts, {
      hosts,
      leafDays: interception.leaf_lifetime_days,
      now,
    })) {
      problems.push({
        path: `${FIELD}.ca_certificate`,
        message: `"${interception.ca_certificate}" ${message}`,
      });
    }
  }
  const extra = interception.also_trusted.map((file, i) =>
    readCertificate(base, file, `${FIELD}.also_trusted[${i}]`, problems),
  );
  if (problems.length > 0 || ca === undefined) {
    throw new UserError(`${source}: invalid policy:\n${formatProblems(problems, source)}`);
  }
  return {
    certificatePem: ca.pem,
    trustedPem: `${[ca.pem, ...extra.map((e) => e?.pem ?? '')].map((p) => p.trim()).join('\n')}\n`,
    keySecret: interception.ca_secret,
    leafDays: interception.leaf_lifetime_days,
    facts: ca.facts,
  };
}
