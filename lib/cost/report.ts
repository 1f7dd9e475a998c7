import { HOURS_PER_MONTH, type Price } from './prices.js';

/*
 * What the cost model says about one deployment: the parts that bill while nothing runs
 * through the perimeter (itemised, with their count and the price they use), and the rates of
 * everything that bills by use, which the model does not guess.
 */

/** One idle charge: `count` units, each `quantity` of `price` a month. */
export interface CostLine {
  /** What is charged, e.g. "NAT gateway". */
  readonly item: string;
  /** How many of it the template or plan holds. */
  readonly count: number;
  /** What one of them is, e.g. "0.5 vCPU, 1 GB, ARM64" or "2 Availability Zones". */
  readonly detail: string;
  /** The prices it uses, each with its quantity per unit per month. */
  readonly parts: readonly { readonly price: Price; readonly quantity: number }[];
  /** count x sum(quantity x price), in USD a month. */
  readonly monthlyUsd: number;
}

/** A charge that depends on traffic, logs or runs: listed, never estimated. */
export interface UsageRate {
  readonly item: string;
  readonly price: Price;
  /** Where it applies in this deployment. */
  readonly applies: string;
}

export interface CostReport {
  readonly cloud: 'aws' | 'gcp';
  readonly region: string;
  /** The policy's deployment profile the template or plan was built with. */
  readonly profile: string;
  readonly lines: readonly CostLine[];
  readonly usage: readonly UsageRate[];
  /** Idle total in USD a month (the sum of `lines`). */
  readonly totalUsd: number;
  /** What the model assumed or left out. */
  readonly notes: readonly string[];
}

/** A line from its parts: `count` of something that costs `quantity x price` a month each. */
export function costLine(
  item: string,
  count: number,
  detail: string,
  parts: CostLine['parts'],
): CostLine {
  const each = parts.reduce((sum, p) => sum + p.quantity * p.price.usd, 0);
  return { item, count, detail, parts, monthlyUsd: count * each };
}

/** A line billed by the hour, every hour of the month. */
export function hourlyLine(item: string, count: number, detail: string, price: Price): CostLine {
  return costLine(item, count, detail, [{ price, quantity: HOURS_PER_MONTH }]);
}

/** A line billed by the month, one `price` per unit (a key, a secret, a metric). */
export function monthlyLine(item: string, count: number, detail: string, price: Price): CostLine {
  return costLine(item, count, detail, [{ price, quantity: 1 }]);
}

/** The report of `fields`: lines with nothing to count are dropped, the rest summed. */
export function report(fields: Omit<CostReport, 'totalUsd'>): CostReport {
  const lines = fields.lines.filter((l) => l.count > 0);
  return { ...fields, lines, totalUsd: lines.reduce((sum, l) => sum + l.monthlyUsd, 0) };
}

/** Dollars with cents, e.g. "$65.70". */
export function usd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}

/** A unit price as the table shows it, e.g. "$0.045 per NAT gateway-hour". */
export function unitPrice(price: Price): string {
  return `$${price.usd} ${price.unit}${price.check === 'unverified' ? ' (unverified)' : ''}`;
}
