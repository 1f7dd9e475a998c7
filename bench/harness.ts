/** Tiny benchmark harness: medians of repeated runs, printed as a table with ratios. */

export interface Measurement {
  readonly name: string;
  readonly ms: number;
  readonly runs: number;
  readonly note?: string;
}

/** Median wall time in milliseconds of `runs` calls (after one warm-up unless `cold`). */
export function time(fn: () => unknown, runs: number, options: { warmup?: boolean } = {}): number {
  if (options.warmup !== false) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

/** Prints rows with each one's ratio to `baseline` (a row name). */
export function report(title: string, rows: readonly Measurement[], baseline: string): void {
  const base = rows.find((r) => r.name === baseline)?.ms ?? Number.NaN;
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`\n${title}`);
  console.log(
    `${'case'.padEnd(width)}  ${'median ms'.padStart(10)}  ${'runs'.padStart(4)}  ${`x ${baseline}`}`,
  );
  for (const r of rows) {
    const ratio = (r.ms / base).toFixed(2);
    console.log(
      `${r.name.padEnd(width)}  ${r.ms.toFixed(2).padStart(10)}  ${String(r.runs).padStart(4)}  ${ratio.padStart(6)}${r.note ? `  ${r.note}` : ''}`,
    );
  }
}
