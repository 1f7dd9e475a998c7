/**
 * A CloudFormation output id for a profile: `('Agent', 'claude-code', 'RunTask')` ->
 * `AgentClaudeCodeRunTask`. Profile names are DNS labels without double dashes, so distinct
 * names give distinct ids.
 */
export function outputId(prefix: string, name: string, suffix: string): string {
  const pascal = name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  return `${prefix}${pascal}${suffix}`;
}
