import { TIER_TAG } from '../aws/builder.js';
import { type DescribeSnapshot, type Json, object, objects, str, strs } from './read.js';
import { endpointOfInterface, loadBalancerOfInterface } from './services.js';
import type { TemplateWriter } from './writer.js';

/*
 * What runs in the VPC. Every running thing has a network interface, so the interfaces are
 * the workloads (tasks, instances, functions, NAT gateways, anything started outside IaC),
 * with the tier of the ECS task that owns one. ECS services add where future tasks will run.
 * Interfaces of endpoints and load balancers in the snapshot are left to those resources.
 */

/** ECS tags (`{ key, value }`) as CloudFormation tags (`{ Key, Value }`). */
function ecsTags(list: unknown): { Key: string; Value: string }[] {
  return (Array.isArray(list) ? list : [])
    .map((t) => t as Json)
    .map((t) => ({ Key: str(t, 'key') ?? '', Value: str(t, 'value') ?? '' }))
    .filter((t) => t.Key !== '');
}

const tierOf = (tags: readonly { Key: string; Value: string }[]) =>
  tags.find((t) => t.Key === TIER_TAG)?.Value;

/** `task-definition family:3`: the snapshot id of a task definition ARN. */
export function taskDefinitionId(arn: string): string {
  return `task-definition ${arn.split('/').pop() ?? arn}`;
}

/** Interface id -> tags of the ECS task attached to it (its own, then its task definition's). */
function taskTagsByInterface(s: DescribeSnapshot): Map<string, { Key: string; Value: string }[]> {
  const definitions = new Map<string, { Key: string; Value: string }[]>();
  for (const doc of s.documents('ecsTaskDefinitions').values()) {
    const arn = str(object(doc, 'taskDefinition'), 'taskDefinitionArn');
    if (arn !== undefined) definitions.set(arn, ecsTags(doc.tags));
  }
  const out = new Map<string, { Key: string; Value: string }[]>();
  for (const task of s.items('ecsTasks')) {
    const own = ecsTags(task.tags);
    const inherited = definitions.get(str(task, 'taskDefinitionArn') ?? '') ?? [];
    const tags = tierOf(own) === undefined ? [...own, ...inherited] : own;
    for (const a of objects(task, 'attachments')) {
      const eni = objects(a, 'details').find((d) => str(d, 'name') === 'networkInterfaceId');
      const id = str(eni, 'value');
      if (id !== undefined) out.set(id, tags);
    }
  }
  return out;
}

export function writeTaskDefinitions(w: TemplateWriter, s: DescribeSnapshot): void {
  for (const doc of s.documents('ecsTaskDefinitions').values()) {
    const td = object(doc, 'taskDefinition');
    const arn = str(td, 'taskDefinitionArn');
    if (arn === undefined) continue;
    w.add(taskDefinitionId(arn), 'AWS::ECS::TaskDefinition', {
      Family: str(td, 'family'),
      NetworkMode: str(td, 'networkMode'),
      Tags: ecsTags(doc.tags),
    });
  }
}

export function writeServices(w: TemplateWriter, s: DescribeSnapshot): void {
  for (const service of s.items('ecsServices')) {
    if (str(service, 'status') === 'INACTIVE') continue;
    const name = str(service, 'serviceName') ?? '?';
    const cluster = (str(service, 'clusterArn') ?? '').split('/').pop() ?? '?';
    const net = object(object(service, 'networkConfiguration'), 'awsvpcConfiguration');
    const td = str(service, 'taskDefinition');
    w.add(`ecs service ${cluster}/${name}`, 'AWS::ECS::Service', {
      ServiceName: name,
      TaskDefinition: td === undefined ? undefined : w.ref(taskDefinitionId(td)),
      NetworkConfiguration:
        net === undefined
          ? undefined
          : {
              AwsvpcConfiguration: {
                Subnets: w.refs(net.subnets),
                SecurityGroups: w.refs(net.securityGroups),
                AssignPublicIp: str(net, 'assignPublicIp'),
              },
            },
      Tags: ecsTags(service.tags),
    });
  }
}

export function writeInterfaces(w: TemplateWriter, s: DescribeSnapshot): void {
  const taskTags = taskTagsByInterface(s);
  const byInstance = new Map<string, { eni: string; index: unknown }[]>();
  for (const eni of s.items('networkInterfaces')) {
    const id = str(eni, 'NetworkInterfaceId');
    if (id === undefined) continue;
    const description = str(eni, 'Description');
    const endpoint = endpointOfInterface(description);
    const lb = loadBalancerOfInterface(description);
    if ((endpoint !== undefined && w.has(endpoint)) || (lb !== undefined && w.has(lb))) continue;
    const own = objects(eni, 'TagSet').map((t) => ({
      Key: str(t, 'Key') ?? '',
      Value: str(t, 'Value') ?? '',
    }));
    const fromTask = taskTags.get(id) ?? [];
    const tier = tierOf(own) ?? tierOf(fromTask);
    w.add(id, 'AWS::EC2::NetworkInterface', {
      Description: description,
      SubnetId: w.ref(str(eni, 'SubnetId')),
      GroupSet: strs(objects(eni, 'Groups'), 'GroupId').map((g) => w.ref(g)),
      Ipv6Addresses: objects(eni, 'Ipv6Addresses').map((a) => ({
        Ipv6Address: str(a, 'Ipv6Address'),
      })),
      Tags: [
        ...own.filter((t) => t.Key !== TIER_TAG),
        ...(tier === undefined ? [] : [{ Key: TIER_TAG, Value: tier }]),
      ],
    });
    const association = object(eni, 'Association');
    const publicIp = str(association, 'PublicIp');
    if (publicIp !== undefined) {
      w.add(`${id} public IPv4 ${publicIp}`, 'AWS::EC2::EIPAssociation', {
        NetworkInterfaceId: w.ref(id),
        AllocationId: str(association, 'AllocationId') ?? `${publicIp} (assigned at launch)`,
      });
    }
    const instance = str(object(eni, 'Attachment'), 'InstanceId');
    if (instance !== undefined)
      byInstance.set(instance, [
        ...(byInstance.get(instance) ?? []),
        { eni: id, index: object(eni, 'Attachment')?.DeviceIndex },
      ]);
  }
  // One instance with several interfaces is one host: an agent on one is an agent on all.
  for (const [instance, list] of byInstance) {
    w.add(instance, 'AWS::EC2::Instance', {
      NetworkInterfaces: list.map((x) => ({
        NetworkInterfaceId: w.ref(x.eni),
        DeviceIndex: x.index,
      })),
    });
  }
}
