/**
 * bcrypt comparisons off the event loop: one worker thread, so that a flood
 * of wrong passwords costs at most one core and never delays a scrape, and a
 * bounded queue, beyond which a request is refused at once instead of
 * waiting. Unknown users are checked against a decoy hash of the same cost,
 * so that a refusal takes as long whether or not the user exists.
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

/** Comparisons waiting or running at most; more are refused as busy. */
const MAX_QUEUED = 32;

export type CheckResult = 'ok' | 'denied' | 'busy';

/** Checks passwords against bcrypt hashes on a thread of its own. */
export class PasswordChecker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (ok: boolean) => void>();
  private readonly decoys = new Map<number, string>();

  /** Whether `password` matches `hash`; with `hash` null (an unknown user), a decoy of `decoyCost` is checked and the answer is no. */
  check(password: string, hash: string | null, decoyCost: number): Promise<CheckResult> {
    if (this.pending.size >= MAX_QUEUED) return Promise.resolve('busy');
    const against = hash ?? this.decoy(decoyCost);
    return this.compare(password, against).then((ok) => (ok && hash !== null ? 'ok' : 'denied'));
  }

  /** Ends the thread (at shutdown). */
  close(): void {
    void this.worker?.terminate();
    this.worker = null;
  }

  private compare(password: string, hash: string): Promise<boolean> {
    const worker = this.thread();
    const id = this.nextId++;
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ id, password, hash });
    });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./bcrypt-thread.js', import.meta.url));
    worker.on('message', (m: { id: number; ok: boolean }) => {
      const resolve = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      resolve?.(m.ok);
    });
    const fail = () => {
      if (this.worker === worker) this.worker = null;
      for (const resolve of this.pending.values()) resolve(false);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** A hash of a random password at this cost, made once (its salt and cost are what make the timing alike). */
  private decoy(cost: number): string {
    let d = this.decoys.get(cost);
    if (!d) {
      // The salt alone sets the cost; hashing here would block the loop, so only the salt is generated.
      d = `${bcrypt.genSaltSync(cost)}${randomBytes(23).toString('base64').replace(/[^./A-Za-z0-9]/g, '.').slice(0, 31)}`;
      this.decoys.set(cost, d);
    }
    return d;
  }
}

/** The cost (log2 rounds) of a bcrypt hash. */
export function bcryptCost(hash: string): number {
  return Number(/^\$2[abxy]?\$(\d{2})\$/.exec(hash)?.[1] ?? 10);
}
