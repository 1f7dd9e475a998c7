/*
 * A CloudFormation resource tagged into the agent tier, for templates a test writes by hand.
 * The tag is spelled out as a user writes it, not taken from lib, so a renamed tag fails here.
 */

/** `{ Type, Properties }` with `properties` and the tag `agent-perimeter:tier=agent`. */
export function agentTagged(type: string, properties: Readonly<Record<string, unknown>>) {
  return {
    Type: type,
    Properties: { ...properties, Tags: [{ Key: 'agent-perimeter:tier', Value: 'agent' }] },
  };
}
