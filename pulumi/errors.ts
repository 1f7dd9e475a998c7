import { UserError } from '../lib/errors.js';

/**
 * Input the GCP perimeter cannot deploy: the message names the component, the value received
 * and the fix. It is a `UserError`, so the CLI prints it without a stack trace, and it is
 * thrown while the program runs, before Pulumi sends anything to Google Cloud.
 */
export class GcpPerimeterError extends UserError {
  constructor(component: string, message: string) {
    super(`${component}: ${message}`, 2);
    Object.defineProperty(this, 'name', { value: 'GcpPerimeterError' });
  }
}
