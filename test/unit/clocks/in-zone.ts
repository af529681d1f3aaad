// Runs a module script in a child Node whose time zone is `tz` (jest's sandboxed process.env cannot change the
// zone of the process it runs in), answering what the script printed last, as JSON.
import { spawn } from 'node:child_process';

export function inZone(tz: string, script: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env: { ...process.env, TZ: tz, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || last === '') reject(new Error(`exit ${code}: ${err}${out}`));
      else resolve(JSON.parse(last));
    });
  });
}
