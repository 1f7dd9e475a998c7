import type { ReadersOf } from './reader.js';
import { T } from './resource-types.js';
import type { LoggingFacts } from './types.js';

/* Cloud Logging: log buckets, sinks and audit log configs. */

export function loggingFacts(of: ReadersOf): LoggingFacts {
  return {
    buckets: of(T.bucket).map((r) => ({
      ref: r.selfRef(),
      bucketId: r.str('bucketId'),
      location: r.str('location'),
      retentionDays: r.num('retentionDays'),
      locked: r.bool('locked') ?? false,
    })),
    sinks: of(T.sink).map((r) => ({
      name: r.name(),
      destination: r.str('destination'),
      filter: r.str('filter'),
      disabled: r.bool('disabled') ?? false,
      exclusions: r.list('exclusions').length,
    })),
    auditConfigs: of(T.auditConfig).map((r) => ({
      service: r.str('service') ?? '',
      logTypes: r
        .objects('auditLogConfigs')
        .map((c) => c.str('logType'))
        .filter((t): t is string => t !== undefined)
        .sort(),
    })),
  };
}
