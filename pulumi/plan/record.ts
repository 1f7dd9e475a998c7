import * as pulumi from '@pulumi/pulumi';
import type { Json, JsonObject } from '../../lib/json.js';
import { gcpMocks } from './mocks.js';
import type { PlannedResource } from './types.js';

/*
 * Runs a Pulumi program under mocks (no CLI, no credentials) and records what it registers.
 * Pulumi's mocks are process-global: run one recording at a time.
 */

/** The parts of the resource monitor's requests we read (Pulumi's generated protobuf classes). */
type Struct = Parameters<typeof pulumi.runtime.deserializeProperties>[0];
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): Struct | undefined;
  getDependenciesList(): string[];
}
interface RegisterResponse {
  getUrn(): string;
  getId(): string;
}
interface OutputsRequest {
  getUrn(): string;
  getOutputs(): Struct | undefined;
}
type Callback<T> = (error: unknown, response: T) => void;
interface MockMonitorLike {
  registerResource(request: RegisterRequest, callback: Callback<RegisterResponse>): unknown;
  registerResourceOutputs(request: OutputsRequest, callback: Callback<unknown>): unknown;
}

export interface RecordOptions {
  /** Provider defaults, also set as Pulumi config `gcp:project` and `gcp:region`. */
  readonly project: string;
  readonly region: string;
  /** Pulumi project name (the config namespace of the program). @default "agent-perimeter" */
  readonly projectName?: string;
  /** @default "plan" */
  readonly stack?: string;
  /** More Pulumi config, fully qualified keys ("agent-perimeter:policy"). */
  readonly config?: Readonly<Record<string, string>>;
}

export interface Recording<T> {
  /** Every registered resource, sorted by URN. */
  readonly resources: PlannedResource[];
  /** The program's return value, with every Output resolved. */
  readonly outputs: T;
}

/** Plain JSON with object keys sorted, so plans diff cleanly. */
export function canonicalJson(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (typeof value === 'object') {
    const out: JsonObject = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) out[key] = canonicalJson(item);
    }
    return out;
  }
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
    return value;
  }
  return String(value);
}

const asObject = (value: unknown): JsonObject => {
  const json = canonicalJson(value);
  return json !== null && typeof json === 'object' && !Array.isArray(json) ? json : {};
};

const properties = (struct: Struct | undefined): unknown =>
  struct === undefined ? {} : pulumi.runtime.deserializeProperties(struct);

/** Resolves every Output inside `value` (which must not be a preview's unknown). */
function settle<T>(value: T): Promise<pulumi.Unwrap<T>> {
  return new Promise((resolve) => {
    pulumi.output(value).apply((resolved) => {
      resolve(resolved);
      return resolved;
    });
  });
}

/** Recordings run one after another: Pulumi's mocks and config are process-global. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Sets Pulumi's mocks and config, runs `program`, waits until every resource is registered
 * and every Output settled, and returns the resources with their resolved inputs. Concurrent
 * calls are queued.
 */
export function recordUnderMocks<T>(
  options: RecordOptions,
  program: () => T | Promise<T>,
): Promise<Recording<pulumi.Unwrap<T>>> {
  const run = queue.then(() => record(options, program));
  queue = run.catch(() => undefined);
  return run;
}

async function record<T>(
  options: RecordOptions,
  program: () => T | Promise<T>,
): Promise<Recording<pulumi.Unwrap<T>>> {
  const projectName = options.projectName ?? 'agent-perimeter';
  await pulumi.runtime.setMocks(
    gcpMocks({ project: options.project, region: options.region }),
    projectName,
    options.stack ?? 'plan',
    false,
  );
  pulumi.runtime.setAllConfig({
    'gcp:project': options.project,
    'gcp:region': options.region,
    ...options.config,
  });
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike | undefined;
  if (monitor === undefined) throw new Error('Pulumi mocks did not install a resource monitor.');

  const recorded = new Map<string, Omit<PlannedResource, 'outputs'> & { outputs?: JsonObject }>();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) =>
    register(request, (error, response) => {
      if (!error) {
        const urn = response.getUrn();
        recorded.set(urn, {
          urn,
          id: request.getCustom() && response.getId() !== '' ? response.getId() : null,
          type: request.getType(),
          name: request.getName(),
          custom: request.getCustom(),
          parent: request.getParent() === '' ? null : request.getParent(),
          inputs: asObject(properties(request.getObject())),
          dependencies: [...new Set(request.getDependenciesList())].sort(),
        });
      }
      callback(error, response);
    });
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (request, callback) => {
    const entry = recorded.get(request.getUrn());
    if (entry !== undefined) {
      entry.outputs = asObject(properties(request.getOutputs()));
    }
    return registerOutputs(request, callback);
  };

  let outputs: pulumi.Unwrap<T>;
  try {
    outputs = await settle(await program());
  } finally {
    // Waits for every outstanding registration, then drops the mock monitor.
    await pulumi.runtime.disconnect();
  }
  const resources = [...recorded.values()]
    .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0))
    .map((r) => (r.outputs === undefined ? r : { ...r, outputs: r.outputs }));
  return { resources, outputs };
}
