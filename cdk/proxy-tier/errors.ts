import { UserError } from '../../lib/errors.js';

/**
 * A policy or props value the proxy tier cannot deploy. Raised at synth time, before anything
 * reaches CloudFormation; the message names the value and the fix. It is a `UserError`, so the
 * CLI prints it without a stack trace.
 */
export class ProxyTierError extends UserError {}
