import type { Scope } from '../analysis/scope.js';
import type { Channel, Violation } from '../violations.js';

/**
 * One containment check, like a cdk-nag rule: an id (its file name), the channels it reports
 * (any check may also report `cannot-prove` for what it cannot see), what it proves, and a
 * pure function over the analysed model. `checks/index.ts` lists them all; each has passing
 * and failing cases in `test/lib/containment/checks/`.
 */
export interface ContainmentCheck {
  readonly id: string;
  readonly channels: readonly Channel[];
  readonly description: string;
  readonly check: (scope: Scope) => readonly Violation[];
}
