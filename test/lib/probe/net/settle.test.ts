import { afterEach, describe, expect, it, vi } from 'vitest';
import { byDeadline, settleOnce } from '../../../../lib/probe/net/settle.js';

/*
 * The one-shot end every network attempt of the probe shares (http, udp, tunnel, ping, CONNECT),
 * and the deadline of a lookup and of a whole check.
 */

function attempt() {
  const released: string[] = [];
  let resolved: string[] = [];
  const settle = settleOnce<string>(
    (outcome) => {
      resolved = [...resolved, outcome];
    },
    (outcome) => released.push(outcome),
  );
  return { settle, released, resolved: () => resolved };
}

describe('settleOnce', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the first outcome wins: released and resolved once, later ones ignored', () => {
    const { settle, released, resolved } = attempt();
    settle.finish('answer');
    settle.finish('error after close');
    expect(released).toEqual(['answer']);
    expect(resolved()).toEqual(['answer']);
  });

  it('the deadline ends an attempt nothing else ended, computing its outcome then', async () => {
    const { settle, resolved } = attempt();
    let bytes = 0;
    settle.deadline(20, () => `silent after ${bytes} bytes`);
    bytes = 3;
    await new Promise((done) => setTimeout(done, 60));
    expect(resolved()).toEqual(['silent after 3 bytes']);
  });

  // A timer left running would hold the probe's process open until it fires.
  it('an outcome before the deadline stops its timer', () => {
    vi.useFakeTimers();
    const { settle, resolved } = attempt();
    settle.deadline(20, () => 'timeout');
    expect(vi.getTimerCount()).toBe(1);
    settle.finish('answer');
    expect(vi.getTimerCount()).toBe(0);
    expect(resolved()).toEqual(['answer']);
  });

  it('a deadline set after the end is not armed', () => {
    vi.useFakeTimers();
    const { settle, resolved } = attempt();
    settle.finish('answer');
    settle.deadline(1, () => 'timeout');
    expect(vi.getTimerCount()).toBe(0);
    expect(resolved()).toEqual(['answer']);
  });
});

describe('byDeadline', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('what the work settles with, and no timer left behind', async () => {
    vi.useFakeTimers();
    expect(await byDeadline(Promise.resolve('answer'), 1000, () => 'late')).toBe('answer');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('late() when the work has not settled in time', async () => {
    expect(await byDeadline(new Promise<string>(() => {}), 20, () => 'late')).toBe('late');
  });

  it('a rejection passes through, for the caller to judge', async () => {
    await expect(byDeadline(Promise.reject(new Error('boom')), 1000, () => 'late')).rejects.toThrow(
      'boom',
    );
  });
});
