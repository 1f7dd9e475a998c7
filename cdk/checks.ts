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
  /** AWS Control Tower's proactive controls (cfn-guard), when asked for. */
  readonly controlTower: ControlTowerChecks | undefined;
}

/** Options of {@link addAgentPerimeterChecks}. */
export interface AgentPerimeterChecksProps extends ContainmentChecksProps {
  /**
   * Also run AWS Control Tower's proactive controls (the cfn-guard rules a landing zone's
   * CloudFormation hooks enforce at deploy time) over every template of the app, the app's own
   * resources included. Needs the optional peer `@cdklabs/cdk-validator-cfnguard`.
   * @default false
   */
  readonly controlTower?: boolean;
}

const REGISTERED = Symbol.for('agent-perimeter.checks');

/**
 * Registers every gate `agent-perimeter synth` runs on an app: the four cdk-nag packs
 * (AwsSolutions, NIST 800-53 R5, HIPAA, PCI DSS 3.2.1), the project's own pack, the
 * containment verifier and, with `controlTower: true`, AWS Control Tower's proactive controls
 * (cfn-guard; `agent-perimeter synth` turns them on), so `cdk synth` fails on
 * any unacknowledged finding (on the app's own resources too) or any way out of an agent tier.
 * Ports and S3 prefix list ids come from the AgentPerimeter (or AgentNetwork) constructs in each
 * stack at synth time, so call it before or after adding them. Calling it again on the same app
 * returns the first registration.
 */
export function addAgentPerimeterChecks(
  app: IConstruct,
  props: AgentPerimeterChecksProps = {},
): AgentPerimeterChecksHandle {
  const holder = app as IConstruct & { [REGISTERED]?: AgentPerimeterChecksHandle };
  const existing = holder[REGISTERED];
  if (existing !== undefined) return existing;
  const { controlTower = false, ...containment } = props;
  const handle = {
    containment: new ContainmentChecks(app, containment),
    workloads: new AgentPerimeterChecks(app),
    controlTower: controlTower ? new ControlTowerChecks() : undefined,
  };
  addCompliancePacks(app, [
    handle.workloads,
    handle.containment,
    ...(handle.controlTower === undefined ? [] : [handle.controlTower]),
  ]);
  holder[REGISTERED] = handle;
  return handle;
}
