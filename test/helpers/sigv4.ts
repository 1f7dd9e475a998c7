import { createHash, createHmac } from 'node:crypto';

/*
 * Signature Version 4 for a header-signed GET, written from the AWS specification for the
 * tests: the fake S3 endpoint recomputes what the launcher's bash signer sent. Checked
 * against AWS's published S3 example (test/lib/proxy-launcher-fetch.test.ts).
 */

export interface SignedGet {
  readonly path: string;
  /** Header names (any case) and values; all of them are signed. */
  readonly headers: Readonly<Record<string, string>>;
  readonly amzDate: string;
  readonly region: string;
  readonly service: string;
  readonly secretAccessKey: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (key: Buffer | string, text: string) =>
  createHmac('sha256', key).update(text).digest();

/** The signature and the signed header list of a GET with an empty body. */
export function sigv4Signature(get: SignedGet): { signature: string; signedHeaders: string } {
  const entries = Object.entries(get.headers)
    .map(([k, v]) => [k.toLowerCase(), v.trim()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = entries.map(([k]) => k).join(';');
  const canonical = [
    'GET',
    get.path,
    '',
    ...entries.map(([k, v]) => `${k}:${v}`),
    '',
    signedHeaders,
    sha256(''),
  ].join('\n');
  const day = get.amzDate.slice(0, 8);
  const scope = `${day}/${get.region}/${get.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', get.amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${get.secretAccessKey}`, day);
  for (const part of [get.region, get.service, 'aws4_request']) key = hmac(key, part);
  return { signature: hmac(key, toSign).toString('hex'), signedHeaders };
}
