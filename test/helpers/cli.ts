/** Runs the `squish` CLI in-process with captured output. */
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

export async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough(), stderr = new PassThrough();
  let out = '', err = '';
  stdout.on('data', (d) => { out += d; });
  stderr.on('data', (d) => { err += d; });
  return { code: await main(argv, { stdout, stderr }), out, err };
}
