import { describe, expect, it } from 'vitest';
import { combine, formatReport, verifyTemplate } from '../../../lib/containment/index.js';
import { agentTagged } from '../../helpers/agent-tagged-resource.js';

/*
 * The words of the report that name the AWS tier tag: built from the contract's constants, and
 * written out here as a user reads them.
 */

const VPC = { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } };

describe('verify: the tier tag in messages', () => {
  it('says what makes an agent when a template has none', () => {
    expect(formatReport(combine([verifyTemplate({ Resources: { Vpc: VPC } }, 'empty')]))).toEqual([
      'contained: no agent attachment in 1 template (nothing is tagged agent-perimeter:tier=agent or placed in an agent subnet or security group)',
    ]);
  });

  it('says why a tagged workload outside the agent subnets is an agent', () => {
    const template = {
      Resources: {
        Vpc: VPC,
        Sn: {
          Type: 'AWS::EC2::Subnet',
          Properties: { VpcId: { Ref: 'Vpc' }, CidrBlock: '10.0.1.0/24' },
        },
        Box: agentTagged('AWS::EC2::Instance', { SubnetId: { Ref: 'Sn' }, ImageId: 'ami-1' }),
      },
    };
    const workload = verifyTemplate(template, 't').violations.find(
      (v) => v.channel === 'unprotected-workload',
    );
    expect(workload?.explanation).toBe(
      'EC2 instance Box runs an agent (it is tagged agent-perimeter:tier=agent) with no security group and not the agent security group, so its traffic follows rules the perimeter does not control. Fix: give it the agent security group (and only that), or move it out of the agent subnets.',
    );
  });
});
