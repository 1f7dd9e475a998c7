import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialDirectly, sendDirectly } from '../../../../lib/probe/checks/direct-attempts.js';
import type { Endpoint } from '../../../../lib/probe/targets.js';

/*
 * The judgement of a direct attempt, on the loopback interface only: a listener that accepts,
 * a UDP socket that echoes, one that stays silent, and ports nothing listens on (the kernel
 * answers with a reset or an ICMP unreachable, which count as a way out).
 */

const TCP_WORDS = { connected: 'connected', reset: 'reset' };
const UDP_WORDS = { answered: (a: { bytes: number }) => `${a.bytes} bytes`, unreachable: 'icmp' };

const loopback = (port: number): Endpoint => ({
  address: '127.0.0.1',
  port,
  family: 4,
  text: `127.0.0.1:${port}`,
});

let tcpServer: net.Server;
let echo: dgram.Socket;
let silent: dgram.Socket;
let closedPort: number;

beforeAll(async () => {
  tcpServer = net.createServer((socket) => socket.destroy());
  await new Promise<void>((done) => tcpServer.listen(0, '127.0.0.1', done));
  echo = dgram.createSocket('udp4', (msg, from) => echo.send(msg, from.port, from.address));
  silent = dgram.createSocket('udp4');
  await Promise.all(
    [echo, silent].map((s) => new Promise<void>((done) => s.bind(0, '127.0.0.1', done))),
  );
  // A port that was free a moment ago: nothing listens on it, over TCP or UDP.
  const probe = net.createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise((done) => probe.close(done));
});

afterAll(() => {
  tcpServer.close();
  echo.close();
  silent.close();
});

describe('dialDirectly', () => {
  it('a connection is an escape', async () => {
    const port = (tcpServer.address() as net.AddressInfo).port;
    expect(await dialDirectly(loopback(port), 1000, TCP_WORDS)).toEqual({
      outcome: 'escape',
      detail: 'connected',
    });
  });

  it('a TCP reset is an escape too', async () => {
    expect(await dialDirectly(loopback(closedPort), 1000, TCP_WORDS)).toEqual({
      outcome: 'escape',
      detail: 'reset',
    });
  });
});

describe('sendDirectly', () => {
  it('an answer is an escape, described by the caller', async () => {
    const port = echo.address().port;
    expect(await sendDirectly(loopback(port), Buffer.from('abc'), 1000, UDP_WORDS)).toEqual({
      outcome: 'escape',
      detail: '3 bytes',
    });
  });

  it('an ICMP unreachable is an escape too', async () => {
    expect(await sendDirectly(loopback(closedPort), Buffer.from('abc'), 1000, UDP_WORDS)).toEqual({
      outcome: 'escape',
      detail: 'icmp',
    });
  });

  it('silence is blocked', async () => {
    const port = silent.address().port;
    expect(await sendDirectly(loopback(port), Buffer.from('abc'), 200, UDP_WORDS)).toEqual({
      outcome: 'blocked',
      detail: 'no answer within 200 ms',
    });
  });
});
