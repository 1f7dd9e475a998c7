import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';

/*
 * What every container of the perimeter's tasks shares, the proxy's and the agents' alike:
 * every Linux capability dropped, never privileged, a read-only root filesystem. The
 * long-running ones (Envoy, the agent) also run an init process; the run-once init containers
 * that prepare volumes exit before them.
 */

/** Hard memory limit of each run-once init container: a chmod or a few small files. */
export const INIT_CONTAINER_MEMORY_MIB = 32;

/**
 * Linux parameters with every capability dropped; `initProcess` for a long-running container,
 * whose init process reaps children and forwards signals.
 */
export function droppedCapabilities(
  scope: Construct,
  id: string,
  initProcess: boolean,
): ecs.LinuxParameters {
  const parameters = new ecs.LinuxParameters(scope, id, { initProcessEnabled: initProcess });
  parameters.dropCapabilities(ecs.Capability.ALL);
  return parameters;
}

/** A run-once init container: what it runs, and the container that waits for it. */
export interface InitContainerOptions
  extends Pick<
    ecs.ContainerDefinitionOptions,
    'containerName' | 'image' | 'user' | 'entryPoint' | 'command' | 'environment' | 'dockerLabels'
  > {
  readonly logging: ecs.LogDriver;
  /** The container that starts only once this one exited 0. */
  readonly before: ecs.ContainerDefinition;
}

/**
 * Adds a run-once init container as `id`: every capability dropped, never privileged, a
 * read-only root filesystem, not essential, {@link INIT_CONTAINER_MEMORY_MIB} at most, and
 * `before` starts only after it exited 0. Its Linux parameters are `<id>LinuxParameters`.
 */
export function addInitContainer(
  scope: Construct,
  taskDefinition: ecs.TaskDefinition,
  id: string,
  options: InitContainerOptions,
): ecs.ContainerDefinition {
  const { before, ...container } = options;
  const init = taskDefinition.addContainer(id, {
    ...container,
    memoryLimitMiB: INIT_CONTAINER_MEMORY_MIB,
    readonlyRootFilesystem: true,
    privileged: false,
    linuxParameters: droppedCapabilities(scope, `${id}LinuxParameters`, false),
    essential: false,
  });
  runsAfter(before, init);
  return init;
}

/** `container` starts only once `init` exited 0. */
export function runsAfter(container: ecs.ContainerDefinition, init: ecs.ContainerDefinition): void {
  container.addContainerDependencies({
    container: init,
    condition: ecs.ContainerDependencyCondition.SUCCESS,
  });
}
