// Tests of what only Linux's /proc (or its tmpfs /dev/shm) can show run on Linux alone: on macOS, where `npm test` is
// run too, they failed reading files that are not there, though what they test has another way there (or none).
import { existsSync } from 'node:fs';

/** Whether this system has Linux's /proc. */
export const hasProc = existsSync('/proc/self/stat');

/** `it`, where /proc is; `it.skip` elsewhere. */
export const itWithProc: jest.It = hasProc ? it : it.skip;
