import { spawn } from 'node:child_process';
import { settleOnce } from './settle.js';

export type PingOutcome =
  | { readonly kind: 'reply' }
  | { readonly kind: 'no-reply'; readonly why: string }
  /** `ping` is missing or may not open its socket here: the check cannot run. */
  | { readonly kind: 'unavailable'; readonly why: string };

/**
 * One ICMP echo with the system's `ping` (Node has no raw sockets). Exit 0 is a reply, 1 no
 * reply; exit 2 is "network unreachable" (no reply) or a socket the sandbox refuses.
 */
export function ping(address: string, family: 4 | 6, timeoutMs: number): Promise<PingOutcome> {
  const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  return new Promise((resolve) => {
    let output = '';
    const { finish, deadline } = settleOnce<PingOutcome>(resolve, () => child.kill('SIGKILL'));
    const child = spawn('ping', [`-${family}`, '-n', '-c', '1', '-W', seconds, address], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    deadline(timeoutMs + 1000, () => ({
      kind: 'no-reply',
      why: `no reply within ${timeoutMs} ms`,
    }));
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', (error) => {
      const code = (error as NodeJS.ErrnoException).code;
      finish({
        kind: 'unavailable',
        why: code === 'ENOENT' ? 'no ping program in this image' : `ping cannot run (${code})`,
      });
    });
    child.on('close', (code) => {
      const text = output.trim().split('\n').pop() ?? '';
      if (code === 0) finish({ kind: 'reply' });
      else if (code === 1) finish({ kind: 'no-reply', why: 'no reply' });
      else if (/unreachable|no route|not available|cannot assign/i.test(output))
        finish({ kind: 'no-reply', why: text });
      else finish({ kind: 'unavailable', why: `ping cannot run here: ${text || `exit ${code}`}` });
    });
  });
}
