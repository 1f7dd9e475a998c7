import { UserError } from '../../lib/errors.js';

/** Invalid `AgentNetwork` input: the message names the value received and the fix. */
export class AgentNetworkError extends UserError {
  constructor(path: string, message: string) {
    super(`AgentNetwork at ${path}: ${message}`, 2);
    Object.defineProperty(this, 'name', { value: 'AgentNetworkError' });
  }
}
