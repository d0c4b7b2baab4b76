import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/latchkey.js', import.meta.url));

/** The test's environment without LATCHKEY_* variables, plus the given ones. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LATCHKEY_')));
  return { ...env, ...extra };
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `latchkey` binary to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: cleanEnv(env), encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  lines: string[];
  stop(): Promise<void>;
}

/** Starts `latchkey serve` and resolves once it prints its listening line. */
export function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env: cleanEnv(env), stdio: 'pipe' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start in time; stderr: ${stderr}`));
    }, 15_000);
    const onEarlyExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}; stderr: ${stderr}`));
    };
    child.on('exit', onEarlyExit);
    let buffered = '';
    child.stdout.on('data', (c: Buffer) => {
      buffered += c.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts);
      const listening = lines.map((l) => /^latchkey listening on http:\/\/\S+:(\d+)$/.exec(l)).find(Boolean);
      if (listening && lines.length >= 2) {
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        resolve({
          child,
          port: Number(listening[1]),
          lines,
          stop: async () => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.kill('SIGTERM');
            await exited;
            clearTimeout(force);
          },
        });
      }
    });
  });
}
