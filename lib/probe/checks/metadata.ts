import {
  blocked,
  escaped,
  type Planned,
  type PlannedCheck,
  type ProbeContext,
  type Verdict,
} from '../check.js';
import { describeCode } from '../net/errors.js';
import { httpRequest } from '../net/http.js';
import { knownCredentialIn } from './credentials.js';

/** The ECS container credentials endpoint (the task role's credentials). */
export const ECS_CREDENTIALS_HOST = '169.254.170.2';
const IMDS_HOSTS = new Set(['169.254.169.254', '[fd00:ec2::254]']);

/** Fields metadata services put credentials in (AWS role credentials, Google tokens). */
const CREDENTIAL_FIELDS =
  /"(AccessKeyId|SecretAccessKey|Token|SessionToken|access_token|id_token|private_key)"\s*:\s*"[^"]+"/;

/** What credential a metadata answer carries, or undefined. */
export function metadataCredential(body: string): string | undefined {
  const field = CREDENTIAL_FIELDS.exec(body)?.[1];
  if (field !== undefined) return `a ${field} field`;
  return knownCredentialIn(body);
}

/** The metadata URLs to try: the targets, plus the container credential URIs ECS sets. */
export function metadataUrls(
  ctx: ProbeContext,
): { url: string; headers: Record<string, string> }[] {
  const out = ctx.targets.metadata.map((url) => ({ url, headers: {} as Record<string, string> }));
  const relative = ctx.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  if (relative?.startsWith('/'))
    out.push({ url: `http://${ECS_CREDENTIALS_HOST}${relative}`, headers: {} });
  const full = ctx.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  if (full !== undefined && /^http:\/\//.test(full)) {
    const token = ctx.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    out.push({ url: full, headers: token === undefined ? {} : { authorization: token } });
  }
  return out;
}

async function imdsToken(url: URL, timeoutMs: number): Promise<string | undefined> {
  if (!IMDS_HOSTS.has(url.host)) return undefined;
  const answer = await httpRequest(`http://${url.host}/latest/api/token`, {
    method: 'PUT',
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
    timeoutMs,
  });
  return answer.kind === 'response' && answer.status === 200 ? answer.body.trim() : undefined;
}

async function probeMetadata(
  url: string,
  extra: Record<string, string>,
  timeoutMs: number,
): Promise<Verdict> {
  const parsed = new URL(url);
  const token = await imdsToken(parsed, timeoutMs);
  const headers = {
    // Google's metadata server answers only requests that carry this header.
    'metadata-flavor': 'Google',
    ...(token === undefined ? {} : { 'x-aws-ec2-metadata-token': token }),
    ...extra,
  };
  const answer = await httpRequest(url, { headers, timeoutMs });
  if (answer.kind === 'error') return blocked(describeCode(answer.code, timeoutMs));
  const found = metadataCredential(answer.body);
  if (found !== undefined)
    return escaped(`answered ${answer.status} with a credential (${found}) the agent could use`);
  // IMDS lists the instance role's name here; the role's credentials are one request away.
  const role = answer.body.trim().split('\n')[0]?.trim() ?? '';
  if (answer.status === 200 && parsed.pathname.endsWith('/security-credentials/') && role !== '') {
    const next = await httpRequest(`${url}${role}`, { headers, timeoutMs });
    const what = next.kind === 'response' ? metadataCredential(next.body) : undefined;
    return escaped(
      `names role "${role}"${what === undefined ? '' : ` and hands out its credentials (${what})`}: the agent can act as that role`,
    );
  }
  return blocked(`answered ${answer.status} without a credential`);
}

/** Instance and task metadata endpoints must give the agent no credentials (C20). */
export function metadataChecks(ctx: ProbeContext): Planned {
  const checks: PlannedCheck[] = metadataUrls(ctx).map(({ url, headers }) => ({
    name: 'metadata',
    target: url,
    run: () => probeMetadata(url, headers, ctx.targets.timeout_ms),
  }));
  return { checks, skipped: [] };
}
