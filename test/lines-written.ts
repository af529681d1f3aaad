// What the functions' logger writes while a test acts, kept from the test output.
import { jest } from '@jest/globals';

/**
 * The lines written to stdout and stderr while `act` runs: Powertools' console puts warnings and errors on stderr, the
 * rest on stdout. Empty lines are left out; each caller reads the others as strictly as it means to.
 */
export async function linesWritten(act: () => Promise<unknown>): Promise<string[]> {
  const written: string[] = [];
  const writes = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }),
  );
  try {
    await act();
  } finally {
    for (const write of writes) write.mockRestore();
  }
  return written.join('').split('\n').filter(Boolean);
}
