import type { Scope } from '../analysis/scope.js';
import type { Channel, Violation } from '../violations.js';

/**
 * One containment check, a row of `CHECKS` (`checks/index.ts`) as a cdk-nag pack applies a
 * rule: an id (the name of the file that holds the check), the channels it reports (any check
 * may also report `cannot-prove` for what it cannot see), what it proves, and the pure function
 * over the analysed model that the file exports. Each has passing and failing cases in
 * `test/lib/containment/checks.test.ts`.
 */
export interface ContainmentCheck {
  readonly id: string;
  readonly channels: readonly Channel[];
  readonly description: string;
  readonly check: (scope: Scope) => readonly Violation[];
}
