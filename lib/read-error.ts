/**
 * Why a file could not be read, in the words the commands print: the two causes a user fixes
 * by naming another path, or undefined for anything else, which each caller words itself.
 */
export function missingOrDirectory(error: unknown): 'no such file' | 'is a directory' | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  return undefined;
}
