import type { Scope } from '../analysis/scope.js';
import type { Violation } from '../violations.js';

/** What the adapter could not read (an import, a nested stack, too many condition cases). */
export function unprovableInput({ ctx }: Scope): readonly Violation[] {
  return ctx.model.unprovable.map((u) => ({
    resource: u.resource,
    channel: 'cannot-prove' as const,
    explanation: u.explanation,
  }));
}
