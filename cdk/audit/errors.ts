import { UserError } from '../../lib/errors.js';

/** Invalid `AuditLogging` input: the message names the value received and the fix. */
export class AuditLoggingError extends UserError {
  constructor(message: string) {
    super(message, 2);
    Object.defineProperty(this, 'name', { value: 'AuditLoggingError' });
  }
}
