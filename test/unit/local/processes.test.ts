import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, groupRunning, processIdentity, processTree } from '../../../local/processes.js';
import { itWithProc, printedAsNobody } from '../../linux.js';

/** The state letter /proc gives the process (Linux). */
function state(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] as string;
}

describe('processes', () => {
  itWithProc('counts a process group whose only member is a zombie no parent reaps as ended', async () => {
    // Prepare: a shell that starts a process in a group of its own, and then becomes a sleep that never reaps it (as a
    // container's first process may not). The process ends once its parent is that sleep: ending at once, it was now
    // and then reaped by the shell before its exec, and the test found no /proc entry (a CI dry run, session 50).
    const parent = spawn(
      'sh',
      [
        '-c',
        `setsid sh -c 'until grep -qx sleep /proc/$PPID/comm; do sleep 0.01; done' & echo $!; exec sleep 30`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    try {
      const zombie = await new Promise<number>((resolve) => {
        parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      });
      // (the shell it started may take a while to end on a busy machine)
      for (let i = 0; i < 500 && state(zombie) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20));
      // Act
      const running = groupRunning(zombie);
      // Assess: the kernel still lists the group (before, stop() waited on that, for ever), yet nothing in it runs
      expect(state(zombie)).toBe('Z');
      expect(alive(-zombie)).toBe(true);
      expect(running).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('counts a group with a member still running as running', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      expect(groupRunning(child.pid as number)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('counts a process this user may not signal as alive', () => {
    // Prepare: pid 1, another user's (as root, the check runs as nobody: root may signal any process)
    const asNobody = process.getuid?.() === 0;
    // Act
    const said = asNobody
      ? printedAsNobody(`import { alive } from './local/processes.ts'; console.log(alive(1));`)
      : String(alive(1));
    // Assess
    expect(said).toBe('true');
  });

  itWithProc('lists a process and its descendants, and nothing else', async () => {
    // Prepare: sh and the two sleeps it starts in the background
    const tree = spawn('sh', ['-c', 'sleep 30 & sleep 30 & echo ready; wait'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      await new Promise((resolve) => tree.stdout.once('data', resolve));
      // Act
      const members = processTree(tree.pid as number);
      // Assess
      expect(members[0]).toBe(tree.pid);
      expect(members).toHaveLength(3);
      expect(members).not.toContain(process.pid);
    } finally {
      for (const pid of processTree(tree.pid as number).reverse()) process.kill(pid, 'SIGKILL');
    }
  });
  itWithProc(
    'reads the start time of a process whose name holds spaces and parentheses, and none for one that ended',
    async () => {
      // Prepare: sleep run under a name that, read up to its first ')', would shift every field after it; then a
      // plain sleep, started later.
      const dir = mkdtempSync(join(tmpdir(), 'sharebus-comm-'));
      const odd = join(dir, 's) 1 2 3 (x');
      symlinkSync(spawnSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim(), odd);
      const oddChild = spawn(odd, ['30'], { stdio: 'ignore' });
      const later: ReturnType<typeof spawn>[] = [];
      try {
        const pid = oddChild.pid as number;
        for (
          let i = 0;
          i < 500 && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes('(s) 1 2 3 (x)');
          i++
        ) {
          await new Promise((r) => setTimeout(r, 10));
        }
        later.push(spawn('sleep', ['30'], { stdio: 'ignore' }));
        const plain = later[0]?.pid as number;
        const started = (of: number) => Number(processIdentity(of)?.split('/')[1]);
        // Act
        const identity = processIdentity(pid);
        // Assess: this boot's, and a start time between this process's and the later one's
        expect(identity?.split('/')[0]).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
        expect(started(pid)).toBeGreaterThanOrEqual(started(process.pid));
        expect(started(pid)).toBeLessThanOrEqual(started(plain));
        oddChild.kill('SIGKILL');
        await new Promise((r) => oddChild.once('exit', r));
        await new Promise((r) => setImmediate(r));
        expect(processIdentity(pid)).toBeUndefined();
      } finally {
        oddChild.kill('SIGKILL');
        for (const child of later) child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
