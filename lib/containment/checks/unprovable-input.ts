import type { ContainmentCheck } from './check.js';

/** What the adapter could not read (an import, a nested stack, too many condition cases). */
export const unprovableInput: ContainmentCheck = {
  id: 'unprovable-input',
  channels: ['cannot-prove'],
  description:
    'Everything that matters for containment is visible in the input (no unread nested stack, unknown value or uncounted condition case).',
  check: ({ ctx }) =>
    ctx.model.unprovable.map((u) => ({
      resource: u.resource,
      channel: 'cannot-prove' as const,
      explanation: u.explanation,
    })),
};
