import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { missingOrDirectory } from '../../lib/read-error.js';

const readError = (path: string): unknown => {
  try {
    readFileSync(path, 'utf8');
  } catch (error) {
    return error;
  }
  throw new Error(`${path} was readable`);
};

describe('missingOrDirectory', () => {
  it('names a missing file and a directory', () => {
    expect(missingOrDirectory(readError('no/such/file.yaml'))).toBe('no such file');
    expect(missingOrDirectory(readError('lib'))).toBe('is a directory');
  });

  it('leaves any other error to the caller', () => {
    expect(
      missingOrDirectory(Object.assign(new Error('denied'), { code: 'EACCES' })),
    ).toBeUndefined();
    expect(missingOrDirectory(new Error('no code'))).toBeUndefined();
  });
});
