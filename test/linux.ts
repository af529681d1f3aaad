// Tests of what only Linux's /proc (or its tmpfs /dev/shm) can show run on Linux alone: on macOS, where `npm test` is
// run too, they failed reading files that are not there, though what they test has another way there (or none).
import { hasProc } from '../local/processes.js';

export { hasProc };

/** `it`, where /proc is; `it.skip` elsewhere. */
export const itWithProc: jest.It = hasProc ? it : it.skip;
