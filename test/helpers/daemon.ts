import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, ROOT } from './cli.js';

/** The daemon as a child process, exactly as `remailer serve` runs in production. */
export interface DaemonProcess {
  child: ChildProcess;
  smtpPort: number;
  /** Everything it logged so far. */
  log(): string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

export function startDaemonProcess(config: string, env: NodeJS.ProcessEnv = {}): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', config], {
    cwd: ROOT,
    env: { ...process.env, REMAILER_CONFIG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: Array<() => void> = [];
  const onData = (d: string): void => {
    out += d;
    for (const w of waiters.splice(0)) w();
  };
  child.stdout?.setEncoding('utf8').on('data', onData);
  child.stderr?.setEncoding('utf8').on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const waitForLog = (pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`daemon did not log ${String(pattern)} in time; log:\n${out}`)), timeoutMs);
      const check = (): void => {
        const m = out.match(pattern);
        if (m) {
          clearTimeout(timer);
          resolve(m);
          return;
        }
        if (child.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`daemon exited (${child.exitCode}) before logging ${String(pattern)}; log:\n${out}`));
          return;
        }
        waiters.push(check);
      };
      check();
      void exited.then(() => {
        for (const w of waiters.splice(0)) w();
      });
    });

  return waitForLog(/INFO STARTED .*?smtp=[\d.]+:(\d+)/).then((m) => ({
    child,
    smtpPort: Number(m[1]),
    log: () => out,
    waitForLog,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  }));
}
