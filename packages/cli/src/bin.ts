#!/usr/bin/env node
// The `bus` executable: the process's streams, Ctrl-C as an abort signal, and the exit code.
import process from 'node:process';
import { runCli } from './run-cli.js';

const controller = new AbortController();
let interrupted = false;
const stop = (): void => {
  // A second Ctrl-C while stopping leaves at once.
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.off('SIGINT', stop);
process.off('SIGTERM', stop);
// Everything the command opened is closed by now; should a client library still hold a socket, do not hang on it.
setTimeout(() => process.exit(), 2_000).unref();
