import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CA_DEFAULT_DAYS,
  CA_DEFAULT_KEY_TYPE,
  CA_FILES,
  CA_KEY_TYPES,
  CA_MAX_DAYS,
  LEAF_DEFAULT_DAYS,
  LEAF_MAX_DAYS,
} from '../../lib/ca/profile.js';
import { UserError } from '../../lib/errors.js';
import { interceptedRules, type Policy } from '../../lib/policy/index.js';
import { type Command, defineCommand } from './command.js';
import { POLICY_OPTION, policyFromArgs } from './policy-arg.js';

const USAGE = `Usage: agent-perimeter ca create --out DIR [--policy FILE] [--key ${CA_KEY_TYPES.join('|')}] [--days N]
       agent-perimeter ca issue --ca DIR --out DIR [--policy FILE] [--days N]

create  Makes the private CA for the policy's \`tls: intercept\` entries: DIR/${CA_FILES.certificate} (public,
        agents trust it) and DIR/${CA_FILES.key} (store it in your cloud secret store as the secret
        \`proxy.interception.ca_secret\` names, then delete it). The CA may sign server
        certificates only for the intercepted hosts (X.509 name constraints), for --days
        (default ${CA_DEFAULT_DAYS}). DIR must not hold a CA already.
issue   Issues one leaf per intercepted host (DIR/<host>.crt and .key; SAN = the host,
        serverAuth only, --days default: the policy's leaf_lifetime_days) with the CA in
        --ca DIR. The proxy does this itself at start; use this for local tests and to check a
        CA. Writes nothing when any check fails.`;

function hostsOf(policy: Policy, source: string): string[] {
  const hosts = interceptedRules(policy).map((r) => r.host);
  if (hosts.length === 0) {
    throw new UserError(
      `${source}: no egress entry has \`tls: intercept\`, so there is nothing to sign for. Fix: add \`tls: intercept\` to the entries whose credentials the proxy adds (e.g. github.com).`,
    );
  }
  return hosts;
}

function days(value: string | undefined, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UserError(
      `--days "${value}" is not a whole number of days from 1 to ${max}. Fix: e.g. --days ${fallback}.`,
    );
  }
  return n;
}

const caCreate = defineCommand({
  name: 'ca create',
  summary: "Make the private CA for the policy's `tls: intercept` entries.",
  usage: USAGE,
  options: {
    out: { type: 'string' },
    ...POLICY_OPTION,
    key: { type: 'string', default: CA_DEFAULT_KEY_TYPE },
    days: { type: 'string' },
  },
  async run({ values }, io) {
    if (values.out === undefined)
      throw new UserError('ca create: --out DIR is required. Fix: e.g. --out ca');
    const keyType = CA_KEY_TYPES.find((k) => k === values.key);
    if (keyType === undefined) {
      throw new UserError(
        `--key "${values.key}" is not offered. Fix: use one of ${CA_KEY_TYPES.join(', ')}.`,
      );
    }
    const lifetime = days(values.days, CA_MAX_DAYS, CA_DEFAULT_DAYS);
    const { policy, source } = policyFromArgs(values.policy);
    const hosts = hostsOf(policy, source);
    const out = resolve(values.out);
    for (const file of Object.values(CA_FILES)) {
      if (existsSync(join(out, file))) {
        throw new UserError(
          `${join(values.out, file)}: exists. A CA is never overwritten (its key may be in use). Fix: choose a new --out directory, e.g. for a rotation ${values.out}-next.`,
        );
      }
    }
    const { createCa } = await import('../../lib/ca/create.js');
    const { writeFileAtomic } = await import('../../lib/write-file.js');
    const ca = await createCa({ hosts, keyType, days: lifetime });
    writeFileAtomic(join(out, CA_FILES.key), ca.keyPem, 0o600);
    writeFileAtomic(join(out, CA_FILES.certificate), ca.certificatePem);
    io.out(
      [
        `${join(values.out, CA_FILES.certificate)}: CA certificate (${keyType}, ${lifetime} days), may sign for: ${hosts.join(', ')}`,
        `${join(values.out, CA_FILES.key)}: its private key (mode 0600). Store it as the secret \`${policy.proxy.interception?.ca_secret ?? '<proxy.interception.ca_secret>'}\` (AWS Secrets Manager / GCP Secret Manager), then delete this file.`,
      ].join('\n'),
    );
    return 0;
  },
});

const caIssue = defineCommand({
  name: 'ca issue',
  summary: 'Issue one leaf certificate per intercepted host with the CA.',
  usage: USAGE,
  options: {
    ca: { type: 'string' },
    out: { type: 'string' },
    ...POLICY_OPTION,
    days: { type: 'string' },
  },
  async run({ values }, io) {
    if (values.ca === undefined || values.out === undefined) {
      throw new UserError(
        'ca issue: --ca DIR and --out DIR are required. Fix: e.g. --ca ca --out leaves',
      );
    }
    const { policy, source } = policyFromArgs(values.policy);
    const hosts = hostsOf(policy, source);
    const leafDays = days(
      values.days,
      LEAF_MAX_DAYS,
      policy.proxy.interception?.leaf_lifetime_days ?? LEAF_DEFAULT_DAYS,
    );
    const out = resolve(values.out);
    if (existsSync(out) && readdirSync(out).length > 0 && resolve(values.ca) === out) {
      throw new UserError(
        `--out ${values.out}: is the CA directory. Fix: write leaves elsewhere, e.g. --out leaves.`,
      );
    }
    const { loadSigningCa, writeLeaves } = await import('../../lib/ca/store.js');
    const { issueLeaf } = await import('../../lib/ca/issue.js');
    const ca = loadSigningCa(values.ca, hosts, leafDays);
    // Every leaf is made before the first file is written.
    const leaves = await Promise.all(hosts.map((host) => issueLeaf(ca, host, leafDays)));
    const written = writeLeaves(out, leaves);
    io.out(
      `${written.length / 2} leaf certificate(s) for ${hosts.join(', ')} (${leafDays} days) in ${values.out}`,
    );
    return 0;
  },
});

/** What `ca` dispatches to; `ca --help` prints USAGE, which describes both. */
export const caSubcommands: readonly Command[] = [caCreate, caIssue];

export const caCommand: Command = {
  name: 'ca',
  summary: 'Make the private CA for TLS interception and issue its leaf certificates.',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const subcommand = caSubcommands.find((c) => c.name === `ca ${sub}`);
    if (subcommand !== undefined) return subcommand.run(rest, io);
    const names = caSubcommands.map((c) => `\`${c.name}\``).join(' or ');
    throw new UserError(
      `agent-perimeter ca: ${sub === undefined ? 'no subcommand' : `unknown subcommand "${sub}"`}. Fix: use ${names} (see \`agent-perimeter ca --help\`).`,
    );
  },
};
