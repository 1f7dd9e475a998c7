import { UserError } from '../errors.js';

/** Bad input for `agent-perimeter local`: names the value and the fix. */
export class LocalComposeError extends UserError {
  constructor(message: string) {
    super(`agent-perimeter local: ${message}`, 2);
    Object.defineProperty(this, 'name', { value: 'LocalComposeError' });
  }
}
