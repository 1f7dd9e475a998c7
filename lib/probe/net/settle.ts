/** How one network attempt ends: see {@link settleOnce}. */
export interface Settle<T> {
  /** Ends the attempt with `outcome`, unless it has ended already. */
  readonly finish: (outcome: T) => void;
  /** Ends the attempt with `outcome()` after `ms`, unless something else ends it first. */
  readonly deadline: (ms: number, outcome: () => T) => void;
}

/**
 * The end of one network attempt that several events race to finish (an answer, an error, a
 * close, the timeout). The first settles it: the timer stops, `release` frees what the
 * attempt holds (it sees the outcome, so it can keep a socket it hands back), then `resolve`
 * runs. Later events are ignored, so the promise the attempt returns resolves exactly once
 * and never rejects.
 */
export function settleOnce<T>(
  resolve: (outcome: T) => void,
  release: (outcome: T) => void,
): Settle<T> {
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = (outcome: T) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    release(outcome);
    resolve(outcome);
  };
  return {
    finish,
    deadline: (ms, outcome) => {
      if (!settled) timer = setTimeout(() => finish(outcome()), ms);
    },
  };
}

/**
 * What `work` settles with, or `late()` when it has not settled within `ms`. The timer never
 * outlives the race, so a finished attempt does not hold the process open.
 */
export async function byDeadline<T>(work: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
