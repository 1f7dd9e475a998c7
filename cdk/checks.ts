import type { IConstruct } from 'constructs';
import { ContainmentChecks, type ContainmentChecksProps } from './containment/index.js';
import { ControlTowerChecks } from './control-tower.js';
import { addCompliancePacks } from './nag.js';
import { AgentPerimeterChecks } from './nag-rules/index.js';

/** What {@link addAgentPerimeterChecks} registered, e.g. to read the containment proof. */
export interface AgentPerimeterChecksHandle {
  /** The containment plugin; `lastReport()` after a synth gives its proof. */
  readonly containment: ContainmentChecks;
  /** The project's own pack (agent workload hardening). */
  readonly workloads: AgentPerimeterChecks;
  /** AWS Control Tower's proactive controls (cfn-guard). */
  readonly controlTower: ControlTowerChecks;
}

const REGISTERED = Symbol.for('agent-perimeter.checks');

/**
 * Registers every gate `agent-perimeter synth` runs on an app: the four cdk-nag packs
 * (AwsSolutions, NIST 800-53 R5, HIPAA, PCI DSS 3.2.1), the project's own pack, AWS Control
 * Tower's proactive controls (cfn-guard) and the containment verifier, so `cdk synth` fails on
 * any unacknowledged finding (on the app's own resources too) or any way out of an agent tier.
 * Ports and S3 prefix list ids come from the AgentPerimeter (or AgentNetwork) constructs in each
 * stack at synth time, so call it before or after adding them. Calling it again on the same app
 * returns the first registration.
 */
export function addAgentPerimeterChecks(
  app: IConstruct,
  props: ContainmentChecksProps = {},
): AgentPerimeterChecksHandle {
  const holder = app as IConstruct & { [REGISTERED]?: AgentPerimeterChecksHandle };
  const existing = holder[REGISTERED];
  if (existing !== undefined) return existing;
  const handle = {
    containment: new ContainmentChecks(app, props),
    workloads: new AgentPerimeterChecks(app),
    controlTower: new ControlTowerChecks(),
  };
  addCompliancePacks(app, [handle.workloads, handle.containment, handle.controlTower]);
  holder[REGISTERED] = handle;
  return handle;
}
