import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../lib/policy/index.js';
import { AgentJob, AgentService } from '../../../pulumi/index.js';
import { recordUnderMocks } from '../../../pulumi/plan/record.js';
import { GCP } from '../../helpers/pulumi-plan.js';

/*
 * The two Cloud Run components of an agent profile, built on their own under Pulumi's mocks:
 * both plan the profile the same way and name themselves in their errors.
 */

const policy = loadPolicy();
const placement = {
  policy,
  project: 'p',
  region: 'us-central1',
  network: 'projects/p/global/networks/demo-perimeter',
  subnetwork: 'projects/p/regions/us-central1/subnetworks/demo-agents',
  proxyAddress: '10.80.16.253',
};
const record = (program: () => unknown) =>
  recordUnderMocks({ project: 'p', region: 'us-central1' }, program);

describe.each([
  {
    component: 'AgentService',
    build: (agent: string) => new AgentService('a', { ...placement, agent }),
    badSetting: () => new AgentService('a', { ...placement, agent: 'claude-code', concurrency: 0 }),
    badSettingMessage: 'concurrency is 0. Fix: use a whole number from 1 to 1000.',
  },
  {
    component: 'AgentJob',
    build: (agent: string) => new AgentJob('a', { ...placement, agent }),
    badSetting: () =>
      new AgentJob('a', { ...placement, agent: 'claude-code', taskCount: 2, parallelism: 3 }),
    badSettingMessage: 'parallelism is 3. Fix: use a whole number from 1 to 2.',
  },
])('$component', ({ component, build, badSetting, badSettingMessage }) => {
  it('refuses an agent that is not a profile of the policy, naming the profiles', async () => {
    await expect(record(() => build('nope'))).rejects.toThrow(
      `${component}: agent "nope" is not a profile of policy "demo". Fix: use one of "claude-code".`,
    );
  });

  it('refuses a bad setting before it registers anything', async () => {
    let refusal: unknown;
    const { resources } = await record(() => {
      try {
        badSetting();
      } catch (error) {
        refusal = error;
      }
      return {};
    });
    expect(String(refusal)).toContain(`${component}: ${badSettingMessage}`);
    expect(resources).toEqual([]);
  });

  it("runs the profile's plan: its name, image and service account", async () => {
    const { resources } = await record(() => build('claude-code'));
    const workload = resources.find((r) => r.type === GCP.runService || r.type === GCP.runJob);
    expect(workload?.inputs.name).toBe('demo-claude-code');
    expect(JSON.stringify(workload?.inputs)).toContain(`"image":"${policy.agents[0]?.image}"`);
    const account = resources.find((r) => r.type === 'gcp:serviceaccount/account:Account');
    expect(account?.inputs).toMatchObject({
      accountId: 'demo-agent-claude-code',
      displayName: 'agent-perimeter demo agent claude-code',
    });
  });
});

it('describes the service by the profile it runs', async () => {
  const { resources } = await record(
    () => new AgentService('a', { ...placement, agent: 'claude-code' }),
  );
  expect(resources.find((r) => r.type === GCP.runService)?.inputs.description).toBe(
    'agent-perimeter demo: agent "claude-code" on gVisor, egress only through the proxy.',
  );
});
