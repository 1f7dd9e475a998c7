import type { Price } from './prices.js';
import { type CostReport, unitPrice, usd } from './report.js';

/*
 * Markdown tables of cost reports, for docs/cost.md and `npm run cost`.
 */

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The itemised idle cost of one report, ending with its total. */
export function costTable(report: CostReport): string[] {
  const rows = report.lines.map((line) => {
    const prices = line.parts.map((p) => unitPrice(p.price)).join(' + ');
    return `| ${cell(line.item)} | ${line.count} | ${cell(line.detail)} | ${cell(prices)} | ${usd(line.monthlyUsd)} |`;
  });
  return [
    '| part | count | each | list price | per month |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    `| **idle total** | | | | **${usd(report.totalUsd)}** |`,
  ];
}

/** The usage-based rates of one report: what traffic, logs and runs add. */
export function usageTable(report: CostReport): string[] {
  return [
    '| charge | rate | where it applies |',
    '| --- | --- | --- |',
    ...report.usage.map(
      (u) => `| ${cell(u.item)} | ${cell(unitPrice(u.price))} | ${cell(u.applies)} |`,
    ),
  ];
}

/** Every price of a table, with its page and whether it was confirmed. */
export function priceTable(prices: Readonly<Record<string, Price>>): string[] {
  return [
    '| price | USD | unit | checked | source |',
    '| --- | --- | --- | --- | --- |',
    ...Object.entries(prices).map(
      ([id, p]) =>
        `| \`${id}\` | ${p.usd} | ${cell(p.unit)} | ${p.check === 'checked' ? 'yes' : '**unverified**'} | ${p.source} |`,
    ),
  ];
}
