import { GcpPerimeterError } from '../errors.js';

/** Input the proxy tier cannot deploy (its plan, image, boot script or FQDN layer), by name. */
export function proxyTierError(message: string): GcpPerimeterError {
  return new GcpPerimeterError('ProxyTier', message);
}
