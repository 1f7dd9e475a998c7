/** Synthetic policies of a given size, shaped like real ones: mostly exact hosts, some wildcards. */
export function syntheticPolicyYaml(hosts: number): string {
  const lines = ['name: bench', 'egress:'];
  lines.push('  - host: api.anthropic.com', '    inject: { header: x-api-key, secret: anthropic }');
  for (let i = 1; i < hosts; i++) {
    if (i % 10 === 0) lines.push(`  - host: "*.cdn${i}.example.com"`);
    else if (i % 7 === 0) lines.push(`  - host: svc${i}.example.org`, '    ports: [443, 8443]');
    else lines.push(`  - host: api${i}.example.com`);
  }
  return `${lines.join('\n')}\n`;
}
