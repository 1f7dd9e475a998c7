import { X509Certificate as NodeCertificate } from 'node:crypto';
import { constraintCovers } from './profile.js';
import { AsnConvert, asn, x509 } from './x509.js';

/** What the checks need to know about a CA certificate. */
export interface CaFacts {
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCa: boolean;
  readonly canSignCertificates: boolean;
  /** Permitted DNS subtrees, or undefined when the certificate has no name constraints. */
  readonly permittedDns: readonly string[] | undefined;
  readonly fingerprint256: string;
  readonly publicKeyPem: string;
}

/** Parses a PEM certificate; throws on anything that is not one. */
export function inspectCa(pem: string): CaFacts {
  const node = new NodeCertificate(pem);
  const cert = new x509.X509Certificate(pem);
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  const usage = cert.getExtension(x509.KeyUsagesExtension);
  const constraints = cert.getExtension(asn.id_ce_nameConstraints);
  let permittedDns: string[] | undefined;
  if (constraints !== null) {
    const parsed = AsnConvert.parse(constraints.value, asn.NameConstraints);
    permittedDns = (parsed.permittedSubtrees ?? [])
      .map((s) => s.base.dNSName)
      .filter((n): n is string => n !== undefined);
  }
  return {
    subject: node.subject.replace(/\n/g, ', '),
    notBefore: new Date(node.validFrom),
    notAfter: new Date(node.validTo),
    isCa: basic?.ca === true,
    canSignCertificates: usage !== null && (usage.usages & x509.KeyUsageFlags.keyCertSign) !== 0,
    permittedDns,
    fingerprint256: node.fingerprint256,
    publicKeyPem: node.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export interface CaCheckOptions {
  readonly hosts: readonly string[];
  /** Leaves issued now must not outlive the CA. */
  readonly leafDays: number;
  readonly now?: Date;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** Why this CA cannot sign the policy's leaves, each with the fix; empty when it can. */
export function caProblems(facts: CaFacts, options: CaCheckOptions): string[] {
  const now = options.now ?? new Date();
  const problems: string[] = [];
  const renew =
    'Fix: make a new CA with `agent-perimeter ca create` and rotate to it (README, "Rotating the interception CA").';
  if (!facts.isCa || !facts.canSignCertificates) {
    problems.push(
      `"${facts.subject}" is not a CA certificate that may sign certificates (basic constraints CA:TRUE and key usage keyCertSign). Fix: use the ca.crt that \`agent-perimeter ca create\` wrote.`,
    );
  }
  if (facts.notAfter.getTime() <= now.getTime()) {
    problems.push(`expired on ${day(facts.notAfter)}. ${renew}`);
  } else if (facts.notAfter.getTime() < now.getTime() + options.leafDays * 86_400_000) {
    problems.push(
      `expires on ${day(facts.notAfter)}, before a ${options.leafDays}-day leaf issued now would. ${renew}`,
    );
  }
  if (facts.notBefore.getTime() > now.getTime() + 300_000) {
    problems.push(`is not valid before ${facts.notBefore.toISOString()}. Fix: check the clock.`);
  }
  if (facts.permittedDns === undefined || facts.permittedDns.length === 0) {
    problems.push(
      `has no DNS name constraints, so its key could sign a certificate for any site the agents trust. Fix: make a constrained CA with \`agent-perimeter ca create --policy FILE\`.`,
    );
  } else {
    const permitted = facts.permittedDns;
    const outside = options.hosts.filter((h) => !permitted.some((p) => constraintCovers(p, h)));
    if (outside.length > 0) {
      problems.push(
        `may sign only for ${permitted.join(', ')}, not for ${outside.join(', ')}. ${renew.replace('make a new CA', 'make a new CA for the policy')}`,
      );
    }
  }
  return problems;
}
