import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the OS says about a process (Linux: /proc). The start time is field 22 of
 * /proc/<pid>/stat, in clock ticks since boot: with the pid it names one process for the
 * machine's uptime, so a pid reused by another program is told apart.
 */
export interface ProcessStat {
  pid: number;
  /** The process group (field 5). */
  pgrp: number;
  /** Field 22: clock ticks after boot when it started. */
  startTime: string;
}

export const canReadProcesses = process.platform === 'linux';

export function readStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces or ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); field N is fields[N - 3].
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return { pid, pgrp: Number(fields[2]), startTime: fields[19] ?? '' };
}

/** Every live process of a process group. */
export function groupMembers(pgid: number): ProcessStat[] {
  if (!canReadProcesses) return [];
  const members: ProcessStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat?.pgrp === pgid) members.push(stat);
  }
  return members;
}

/** The inodes of the sockets listening on a loopback TCP port (/proc/net/tcp, tcp6). */
function listeningInodes(port: number): Set<string> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; field 9 the inode.
      if (f[3] === '0A' && f[1]?.endsWith(`:${hexPort}`) && f[9]) inodes.add(f[9]);
    }
  }
  return inodes;
}

/**
 * Whether the process listening on a loopback port is a member of a process group. A
 * port Latchkey picks is free when picked, but any local program may bind it before the
 * child does; then requests, with their identity, must not go there.
 */
export function portHeldByGroup(port: number, pgid: number): boolean {
  if (!canReadProcesses) return true;
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return false;
  for (const member of groupMembers(pgid)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${member.pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${member.pid}/fd/${fd}`));
        if (m && inodes.has(m[1] as string)) return true;
      } catch {
        // closed meanwhile
      }
    }
  }
  return false;
}

/**
 * Windows has no process groups to signal: taskkill /T ends the tree, by absolute path
 * (never whatever `taskkill` PATH finds first); /F only for the kill after the grace period.
 */
function taskkill(pid: number, force: boolean): boolean {
  const exe = join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'taskkill.exe');
  const result = spawnSync(exe, ['/T', ...(force ? ['/F'] : []), '/PID', String(pid)], {
    stdio: 'ignore',
    windowsHide: true,
  });
  return result.status === 0;
}

/** Signals a whole process group; false when it no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (process.platform === 'win32') return taskkill(pgid, signal === 'SIGKILL');
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function groupAlive(pgid: number): boolean {
  if (canReadProcesses) return groupMembers(pgid).length > 0;
  try {
    process.kill(process.platform === 'win32' ? pgid : -pgid, 0);
    return true;
  } catch {
    return false;
  }
}
