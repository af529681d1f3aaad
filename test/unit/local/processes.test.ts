import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { alive, groupRunning, processTree } from '../../../local/processes.js';

/** The state letter /proc gives the process (Linux). */
function state(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] as string;
}

describe('processes', () => {
  it('counts a process group whose only member is a zombie no parent reaps as ended', async () => {
    // Prepare: a shell that starts a process in a group of its own, which ends at once, and then becomes a sleep
    // that never reaps it (as a container's first process may not)
    const parent = spawn('sh', ['-c', 'setsid sh -c "exit 0" & echo $!; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
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
      ? spawnSync(
          process.execPath,
          [
            '--import',
            'tsx',
            '--input-type=module',
            '-e',
            `import { alive } from './local/processes.ts'; console.log(alive(1));`,
          ],
          { uid: 65534, gid: 65534, encoding: 'utf8', env: { ...process.env, HOME: tmpdir() } },
        ).stdout.trim()
      : String(alive(1));
    // Assess
    expect(said).toBe('true');
  });

  it('lists a process and its descendants, and nothing else', async () => {
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
});
