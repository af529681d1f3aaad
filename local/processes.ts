// Small helpers for the processes the local runtime starts or finds.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

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

/** Whether this system has Linux's /proc, which tells more of a process than a signal can (macOS has none). */
export const hasProc = existsSync('/proc/self/stat');

/**
 * Whether a process has yet to end. Where /proc tells, a zombie does not count: it has ended, and waits to be reaped by
 * a parent that may never do so (a container's first process often does not).
 */
export function running(pid: number): boolean {
  if (!hasProc) return alive(pid);
  const stat = processStat(pid);
  return stat !== undefined && !hasEnded(stat);
}

/**
 * What tells process `pid` from a later one given the same id: the machine's boot and the process's start time (in
 * clock ticks since that boot), as Linux's /proc shows them; undefined where there is no /proc or no such process.
 * A pid names another process after a reboot, or once the kernel's ids wrap around.
 */
export function processIdentity(pid: number): string | undefined {
  let boot: string;
  try {
    boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
  const started = processStat(pid)?.started;
  return started === undefined || boot === '' ? undefined : `${boot}/${started}`;
}

/** Sends `name` to a process (or, given a negative id, a process group), if it is still there. */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // ended meanwhile
  }
}

/** A process as Linux's /proc/PID/stat shows it. */
interface ProcessStat {
  readonly pid: number;
  /** R, S, D, T, Z (a zombie: ended, waiting for its parent to reap it), ... */
  readonly state: string;
  readonly parent: number;
  readonly group: number;
  /** When it started, in clock ticks since the machine's boot (field 22, starttime), as /proc writes it. */
  readonly started: string | undefined;
}

/** Process `pid` as /proc shows it, or undefined when it is not listed (or there is no /proc). */
function processStat(pid: number): ProcessStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so read after its last ')'. The fields
  // there begin with field 3, state.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [state = '', parent, group] = fields;
  return { pid, state, parent: Number(parent), group: Number(group), started: fields[19] };
}

/** A zombie, or dead: ended, though still listed. */
const hasEnded = (stat: ProcessStat): boolean => stat.state === 'Z' || stat.state === 'X';

/** The processes /proc lists now (empty where there is no /proc). */
function processTable(): ProcessStat[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  return names
    .filter((name) => /^\d+$/.test(name))
    .map((name) => processStat(Number(name)))
    .filter((stat): stat is ProcessStat => stat !== undefined);
}

/** `pid` and its descendants, as /proc lists them now. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const { pid: member, parent } of processTable()) {
    const siblings = children.get(parent) ?? [];
    siblings.push(member);
    children.set(parent, siblings);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i] as number) ?? []));
  return tree;
}

/**
 * Whether any process of process group `group` has yet to end. Where /proc tells, zombies do not count: one whose
 * parent is gone waits to be reaped by whatever adopts it, which in a container may be a process that never reaps.
 * Elsewhere, whether the kernel still lists any member.
 */
export function groupRunning(group: number): boolean {
  if (!hasProc) return alive(-group);
  return processTable().some((p) => p.group === group && !hasEnded(p));
}
