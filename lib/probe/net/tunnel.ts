import type * as net from 'node:net';
import * as tls from 'node:tls';
import { errorCode } from './errors.js';
import { settleOnce } from './settle.js';

/** What came back through a tunnel after the probe sent something into it. */
export type TunnelOutcome =
  /** A TLS handshake completed: a server answered end to end. */
  | {
      readonly kind: 'handshake';
      /** The certificate chains to a trusted root (and `NODE_EXTRA_CA_CERTS`) and names the host. */
      readonly trusted: boolean;
      readonly authError?: string;
      readonly protocol: string;
    }
  /** Bytes came back (a ServerHello, an alert, an HTTP answer), but no handshake. */
  | { readonly kind: 'answered'; readonly bytes: number; readonly code?: string }
  /** The tunnel was closed with nothing coming back. */
  | { readonly kind: 'closed'; readonly code?: string }
  /** The tunnel stayed open and silent for the whole timeout. */
  | { readonly kind: 'silent' };

/**
 * Starts a real TLS handshake (a ClientHello naming `servername`) inside an open tunnel.
 * Server bytes are counted on the raw socket, so a ServerHello or an alert is seen even when
 * the handshake then fails. The handshake completes with any certificate; `trusted` says
 * whether it was one the trust store (and `NODE_EXTRA_CA_CERTS`) accepts for `servername`.
 */
export function tlsThrough(
  socket: net.Socket,
  servername: string,
  timeoutMs: number,
): Promise<TunnelOutcome> {
  const before = socket.bytesRead;
  return new Promise((resolve) => {
    const tlsSocket = tls.connect({
      socket,
      servername,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const { finish, deadline } = settleOnce<TunnelOutcome>(resolve, () => {
      tlsSocket.destroy();
      socket.destroy();
    });
    const afterFailure = (code?: string): TunnelOutcome => {
      const bytes = socket.bytesRead - before;
      if (bytes > 0) return { kind: 'answered', bytes, ...(code === undefined ? {} : { code }) };
      return { kind: 'closed', ...(code === undefined ? {} : { code }) };
    };
    deadline(timeoutMs, () => {
      const bytes = socket.bytesRead - before;
      return bytes > 0 ? { kind: 'answered', bytes, code: 'ETIMEDOUT' } : { kind: 'silent' };
    });
    tlsSocket.once('secureConnect', () => {
      const authError = tlsSocket.authorizationError;
      const trusted = authError === null && checkName(tlsSocket, servername);
      finish({
        kind: 'handshake',
        trusted,
        ...(trusted
          ? {}
          : { authError: String(authError ?? 'the certificate does not name the host') }),
        protocol: tlsSocket.getProtocol() ?? 'TLS',
      });
    });
    tlsSocket.once('error', (error) => finish(afterFailure(errorCode(error))));
    tlsSocket.once('close', () => finish(afterFailure()));
    socket.resume();
  });
}

function checkName(socket: tls.TLSSocket, servername: string): boolean {
  const cert = socket.getPeerCertificate();
  return tls.checkServerIdentity(servername, cert) === undefined;
}

/** Sends `payload` (not TLS) into an open tunnel and reports what comes back. */
export function bytesThrough(
  socket: net.Socket,
  payload: string,
  timeoutMs: number,
): Promise<TunnelOutcome> {
  return new Promise((resolve) => {
    let bytes = 0;
    const { finish, deadline } = settleOnce<TunnelOutcome>(resolve, () => socket.destroy());
    deadline(timeoutMs, () => (bytes > 0 ? { kind: 'answered', bytes } : { kind: 'silent' }));
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      // Anything at all came back: give it a moment to complete, then report.
      setTimeout(() => finish({ kind: 'answered', bytes }), 50);
    });
    socket.once('error', (error) =>
      finish(bytes > 0 ? { kind: 'answered', bytes } : { kind: 'closed', code: errorCode(error) }),
    );
    socket.once('close', () =>
      finish(bytes > 0 ? { kind: 'answered', bytes } : { kind: 'closed' }),
    );
    socket.resume();
    socket.write(payload);
  });
}

/** "closed by the far end", "reset", for reports. */
export function describeTunnel(outcome: TunnelOutcome): string {
  switch (outcome.kind) {
    case 'handshake':
      return `a ${outcome.protocol} handshake completed${outcome.trusted ? '' : ` (certificate not trusted: ${outcome.authError})`}`;
    case 'answered':
      return `${outcome.bytes} byte(s) came back from the far end${outcome.code === undefined ? '' : ` (then ${outcome.code})`}`;
    case 'closed':
      return `the tunnel was closed with nothing coming back${outcome.code === undefined ? '' : ` (${outcome.code})`}`;
    case 'silent':
      return 'the tunnel stayed open but nothing came back';
  }
}
