import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The AWS CLI, answered from a recorded describe snapshot: what the collector would get from
 * an account in that state. Read-only calls only; anything else is an error.
 */

type Doc = Record<string, unknown>;

export function fakeAwsAnswer(snapshot: string, args: readonly string[]): Doc {
  const read = (file: string) =>
    JSON.parse(readFileSync(join(snapshot, `${file}.json`), 'utf8')) as Doc;
  const tryRead = (file: string) => {
    try {
      return read(file);
    } catch {
      return undefined;
    }
  };
  const value = (flag: string) => args[args.indexOf(flag) + 1] ?? '';
  const id = (flag: string) =>
    (value(flag).split('/').pop() ?? '').replace(/[^A-Za-z0-9._-]+/g, '-');
  const [service, command] = args;
  if (service === 'ec2') return read(`ec2-${command}`);
  if (command === 'list-firewall-rules')
    return read(`route53resolver-list-firewall-rules.${id('--firewall-rule-group-id')}`);
  if (command === 'list-firewall-domains')
    return read(`route53resolver-list-firewall-domains.${id('--firewall-domain-list-id')}`);
  if (service === 'route53resolver') return read(`route53resolver-${command}`);
  if (command === 'describe-listeners') {
    const name = /loadbalancer\/net\/([^/]+)\//.exec(value('--load-balancer-arn'))?.[1] ?? '';
    return read(`elbv2-describe-listeners.${name}`);
  }
  if (service === 'elbv2') return read(`elbv2-${command}`);
  const cluster = id('--cluster');
  const list = (file: string, key: string, field: string) =>
    ((tryRead(`${file}.${cluster}`)?.[key] ?? []) as Doc[]).map((x) => x[field]);
  if (command === 'list-clusters') {
    const manifest = read('manifest') as { clusters?: string[] };
    return { clusterArns: manifest.clusters ?? [] };
  }
  if (command === 'list-services')
    return { serviceArns: list('ecs-describe-services', 'services', 'serviceArn') };
  if (command === 'describe-services')
    return tryRead(`ecs-describe-services.${cluster}`) ?? { services: [] };
  if (command === 'list-tasks') return { taskArns: list('ecs-describe-tasks', 'tasks', 'taskArn') };
  if (command === 'describe-tasks')
    return tryRead(`ecs-describe-tasks.${cluster}`) ?? { tasks: [] };
  if (command === 'describe-task-definition')
    return read(`ecs-describe-task-definition.${id('--task-definition')}`);
  throw new Error(`not a read-only call this snapshot answers: aws ${args.join(' ')}`);
}
