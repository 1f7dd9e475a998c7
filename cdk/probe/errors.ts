import { UserError } from '../../lib/errors.js';

/** A probe setting the stack cannot deploy; raised at synth time with the value and the fix. */
export class ProbeTaskError extends UserError {
  constructor(message: string) {
    super(message, 2);
    Object.defineProperty(this, 'name', { value: 'ProbeTaskError' });
  }
}
