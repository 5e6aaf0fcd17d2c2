/** Entry of the bcrypt thread (see password-check.ts): compares passwords with hashes, one at a time. */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

// The lowest CPU priority for this thread alone (Linux priorities are per thread): a flood of
// wrong passwords then runs on idle CPU only, after scrapes and runs. Elsewhere it keeps its priority.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 19);
} catch {
  // no /proc (not Linux), or not permitted
}

parentPort!.on('message', (m: { id: number; password: string; hash: string }) => {
  let ok = false;
  try {
    ok = bcrypt.compareSync(m.password, m.hash);
  } catch {
    // A malformed hash never matches; the config check refuses those at start.
  }
  parentPort!.postMessage({ id: m.id, ok });
});
