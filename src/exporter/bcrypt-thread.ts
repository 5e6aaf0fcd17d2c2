/** Entry of the bcrypt thread (see password-check.ts): compares passwords with hashes, one at a time. */
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

parentPort!.on('message', (m: { id: number; password: string; hash: string }) => {
  let ok = false;
  try {
    ok = bcrypt.compareSync(m.password, m.hash);
  } catch {
    // A malformed hash never matches; the config check refuses those at start.
  }
  parentPort!.postMessage({ id: m.id, ok });
});
