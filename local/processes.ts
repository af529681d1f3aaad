// Small helpers for the processes the local runtime starts or finds.

/**
 * Whether a process runs (one we may not signal still does), or, given a negative id, whether any process of that
 * process group does.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends `name` to a process (or, given a negative id, a process group), if it is still there. */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // ended meanwhile
  }
}
