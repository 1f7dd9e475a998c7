import { UserError } from '../../lib/errors.js';

/**
 * A policy or props value the agent workloads cannot deploy. Raised at synth time, before
 * anything reaches CloudFormation; the message names the value and the fix. It is a
 * `UserError`, so the CLI prints it without a stack trace.
 */
export class AgentWorkloadError extends UserError {
  constructor(message: string) {
    super(message, 2);
    Object.defineProperty(this, 'name', { value: 'AgentWorkloadError' });
  }
}
