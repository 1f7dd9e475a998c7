import { LEAF_DEFAULT_DAYS } from './ca/profile.js';
import {
  credentialVariable,
  injectedCredentials,
  interceptedRules,
  type Policy,
} from './policy/index.js';
import {
  LEAF_DIR,
  leafBaseName,
  leafSecretName,
  MODEL_CREDENTIAL_VARIABLE,
  SECRETS_DIR,
} from './proxy-contract.js';
import type { FormattedCredential, LauncherLeaves, LauncherSource } from './proxy-launcher.js';

/*
 * What every platform hands the launcher for a policy, derived once: which secret fills which
 * variable (or file), which header values the launcher composes (`bearer`, `basic`, the Bedrock
 * API key), and which leaf certificates it issues. The AWS task definition, the GCP boot
 * script and the local compose file differ only in how the values arrive.
 */

/** A secret the proxy reads and the variable (or, with files, the file name) that holds it. */
export interface ProxySecret {
  readonly secret: string;
  readonly variable: string;
}

/** The secrets of a policy and the header values built from them. */
export interface ProxyCredentialInputs {
  /** Unique secrets, in policy order (inject entries, intercepted entries, the model key). */
  readonly secrets: readonly ProxySecret[];
  /** Header values the launcher composes before Envoy starts. */
  readonly formatted: readonly FormattedCredential[];
}

/** Where the launcher reads a secret: its variable, or its file under SECRETS_DIR. */
function sourceOf(secret: ProxySecret, from: 'env' | 'file'): LauncherSource {
  return from === 'env' ? { env: secret.variable } : { file: `${SECRETS_DIR}/${secret.secret}` };
}

/**
 * Every secret the proxy of `policy` needs and the header values the launcher builds from
 * them. The Bedrock API key (`model_access.api_key_secret`) is a bearer credential composed in
 * place: Envoy reads MODEL_CREDENTIAL_VARIABLE itself.
 */
export function proxyCredentialInputs(
  policy: Policy,
  from: 'env' | 'file' = policy.proxy.credentials_from,
): ProxyCredentialInputs {
  const secrets: ProxySecret[] = [];
  const add = (secret: string, variable: string) => {
    if (!secrets.some((s) => s.variable === variable)) secrets.push({ secret, variable });
  };
  const formatted: FormattedCredential[] = [];
  for (const c of injectedCredentials(policy)) {
    const secret = { secret: c.secret, variable: credentialVariable(c.secret) };
    add(secret.secret, secret.variable);
    if (c.format === 'raw') continue;
    formatted.push({
      out: c.headerVariable,
      format: c.format,
      ...(c.username === undefined ? {} : { username: c.username }),
      source: sourceOf(secret, from),
    });
  }
  const access = policy.model_access;
  const apiKey = access.provider === 'bedrock' ? access.api_key_secret : undefined;
  if (apiKey !== undefined) {
    add(apiKey, MODEL_CREDENTIAL_VARIABLE);
    // Always from the environment: the AWS proxy tier is the only one that serves Bedrock.
    formatted.push({
      out: MODEL_CREDENTIAL_VARIABLE,
      format: 'bearer',
      source: { env: MODEL_CREDENTIAL_VARIABLE },
    });
  }
  return { secrets, formatted };
}

/**
 * The leaves the launcher issues at start, one per intercepted host, into `dir` (Envoy's
 * config names LEAF_DIR, so every platform mounts the writable directory there). Undefined
 * when nothing is intercepted.
 */
export function launcherLeaves(
  policy: Policy,
  ca: { readonly key: LauncherSource; readonly certificate: LauncherSource },
  dir: string = LEAF_DIR,
): LauncherLeaves | undefined {
  const hosts = [...new Set(interceptedRules(policy).map((r) => r.host))];
  if (hosts.length === 0) return undefined;
  return {
    hosts: hosts.map((host) => ({
      host,
      secret: leafSecretName(host),
      base: leafBaseName(host),
    })),
    dir,
    days: policy.proxy.interception?.leaf_lifetime_days ?? LEAF_DEFAULT_DAYS,
    caKey: ca.key,
    caCertificate: ca.certificate,
  };
}

/** Whether the policy's proxy intercepts some host (and so needs the intercepting launcher). */
export function intercepts(policy: Policy): boolean {
  return interceptedRules(policy).length > 0;
}
