import { describe, expect, it } from 'vitest';
import { caSubcommands } from '../../../bin/commands/ca.js';
import { commands } from '../../../bin/commands/index.js';

const withOptions = [...commands, ...caSubcommands].filter((c) => c.options !== undefined);

describe('the commands', () => {
  it('declare their options, except those that parse their own', () => {
    expect(commands.filter((c) => c.options === undefined).map((c) => c.name)).toEqual([
      'probe',
      'ca',
    ]);
  });

  it.each(withOptions.map((c) => [c.name, c] as const))(
    '%s names every option it takes in its usage',
    (_name, command) => {
      for (const option of Object.keys(command.options ?? {})) {
        expect(command.usage, option).toMatch(new RegExp(`--${option}(?![\\w-])`));
      }
    },
  );
});
