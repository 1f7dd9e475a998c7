import * as http from 'node:http';
import { errorCode } from './errors.js';
import { settleOnce } from './settle.js';

export type HttpOutcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly body: string;
      readonly headers: http.IncomingHttpHeaders;
    }
  | { readonly kind: 'error'; readonly code: string };

const MAX_BODY = 64 * 1024;

/**
 * One plain-HTTP request, straight to the URL's host (a fresh agent: never the proxy from the
 * environment, which Node 24 applies to its global agent with NODE_USE_ENV_PROXY). Reads at
 * most 64 KiB of body. Never rejects.
 */
export function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; timeoutMs: number },
): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    const { finish, deadline } = settleOnce<HttpOutcome>(resolve, () => request.destroy());
    const request = http.request(url, {
      method: options.method ?? 'GET',
      headers: { 'user-agent': 'agent-perimeter-probe', ...options.headers },
      agent: new http.Agent({ keepAlive: false }),
    });
    deadline(options.timeoutMs, () => ({ kind: 'error', code: 'ETIMEDOUT' }));
    request.on('error', (error) => finish({ kind: 'error', code: errorCode(error) }));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        finish({
          kind: 'response',
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: response.headers,
        });
      response.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY) chunks.push(chunk.subarray(0, MAX_BODY - size));
        size += chunk.length;
        if (size >= MAX_BODY) done();
      });
      response.on('end', done);
      response.on('error', done);
    });
    request.end();
  });
}
