/**
 * A family of the text exposition kept as one pre-rendered chunk per model,
 * so that a model's new report re-renders that model's lines only, not the
 * fleet's. The bytes are prom-client's (lib/registry.js, lib/util.js): the
 * registry's own rendering of the same gauges is the tests' reference.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback, gzipSync } from 'node:zlib';

export const gzipAsync = promisify(gzipCallback);

/** A window that covers the whole piece loses nothing, and costs zlib far less to set up than the default 32 KiB. */
const SMALL = 4096;
// Output in 512-byte chunks: a member (~100 bytes) is then a slice of Buffer's shared pool, not of a 4 KiB buffer of its own.
const SMALL_GZIP = { windowBits: 12, memLevel: 5, chunkSize: 512 };

/** A piece of the exposition: its bytes, and a gzip member of them (members concatenate into one gzip stream, RFC 1952 2.2). */
export class Piece {
  readonly plain: Buffer;
  /** Since when it has been out of any block (made, or its block broken): a chunk loose only briefly may soon be replaced or moved, so it is not consolidated yet. */
  looseSince = performance.now();
  private gz: Buffer | Promise<Buffer> | null = null;

  constructor(text: string) {
    this.plain = Buffer.from(text, 'utf8');
    // A model's chunk (about 1 KiB) is gzipped at once, on the loop: about 20 µs, where a trip to libuv's pool costs the
    // loop about 150 µs of set-up per piece. A larger piece (a family prom-client renders) goes to the pool when asked for.
    if (this.plain.length <= SMALL) this.gz = gzipSync(this.plain, SMALL_GZIP);
  }

  gzipped(): Buffer | Promise<Buffer> {
    return (this.gz ??= gzipAsync(this.plain));
  }
}

const escapeText = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const NEEDS_ESCAPE = /[\\\n"]/;
const escapeLabel = (v: unknown) => (typeof v !== 'string' ? String(v) : NEEDS_ESCAPE.test(v) ? escapeText(v).replace(/"/g, '\\"') : v);

/** A sample value as prom-client writes it (NaN as "Nan", as it does). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'Nan';
  if (!Number.isFinite(v)) return v < 0 ? '-Inf' : '+Inf';
  return `${v}`;
}

/** `name{a="x",b="y"}`, labels in the object's own order, as prom-client writes them. */
function seriesName(name: string, labels: Record<string, string>): string {
  // A loop rather than entries/map/join: a fleet's round renders tens of thousands of these, on the serving loop.
  let inner = '';
  for (const k in labels) inner += `${inner === '' ? '' : ','}${k}="${escapeLabel(labels[k])}"`;
  return inner === '' ? name : `${name}{${inner}}`;
}

/** The HELP and TYPE lines of a family. */
export function familyHeader(name: string, help: string, type: string): string {
  const n = escapeText(name);
  return `# HELP ${n} ${escapeText(help)}\n# TYPE ${n} ${type}`;
}

/** What Joined joins: a piece, or a block of them. */
interface Part {
  readonly plain: Buffer;
  gzipped(): Buffer | Promise<Buffer>;
}

/** Pieces joined once: their bytes, and their gzip members, concatenated when first asked for. */
export class Joined {
  private plainBytes: Buffer | null = null;
  private gz: Buffer | Promise<Buffer> | null = null;

  constructor(private readonly parts: readonly Part[]) {}

  get plain(): Buffer {
    return (this.plainBytes ??= Buffer.concat(this.parts.map((p) => p.plain)));
  }

  /** Joined at once when every member is ready (a model's chunks are gzipped when made): no promise per part per render. */
  gzipped(): Buffer | Promise<Buffer> {
    return (this.gz ??= whenReady(this.parts.map((p) => p.gzipped()), (members) => Buffer.concat(members)));
  }
}

/** `f` of the buffers: at once when all are ready, else when they are. */
export function whenReady<T>(buffers: (Buffer | Promise<Buffer>)[], f: (all: Buffer[]) => T): T | Promise<T> {
  return buffers.every((b) => b instanceof Buffer) ? f(buffers as Buffer[]) : Promise.all(buffers).then(f);
}

/**
 * Consecutive model chunks of a family, gzipped as one member. A member per
 * chunk compresses little (a few lines each, with the member's own header);
 * together the repeated metric, model and feature names compress about five
 * times better. A block stands for exactly its pieces: it is used only while
 * the family holds those same pieces, in that order, and never after one of
 * them is replaced.
 */
class Block implements Part {
  constructor(readonly pieces: readonly Piece[], private readonly gz: Buffer) {}

  get plain(): Buffer {
    return Buffer.concat(this.pieces.map((p) => p.plain));
  }

  gzipped(): Buffer {
    return this.gz;
  }

  /** Whether `pieces` hold this block's pieces from `at` on. */
  matches(pieces: readonly Piece[], at: number): boolean {
    if (at + this.pieces.length > pieces.length) return false;
    for (let k = 0; k < this.pieces.length; k++) if (pieces[at + k] !== this.pieces[k]) return false;
    return true;
  }
}

/** Models per block: 16 bring a 200-model fleet's gzipped body from 870 kB of members to about 170 kB (about 200 kB while a round publishes). */
const BLOCK_MODELS = 16;
/** A chunk loose for less than this may be replaced or moved at once (a round publishes model after model): it waits before joining a block. */
const SETTLE_MS = 250;
/** Blocks are gzipped on the loop (about 50 µs each, where a trip to the pool costs more), at most this long at a time, so a scrape waits for one slice at most. */
const SLICE_MS = 1;
const BLOCK_GZIP = { windowBits: 12, memLevel: 5, chunkSize: 1024 };

/** Families with groups of pieces to consolidate, drained a slice at a time, off the scrape's path. */
const queue: { family: ModelChunks; groups: Piece[][] }[] = [];
let draining = false;

/**
 * A block's text, in a buffer reused from one block to the next (gzipSync is
 * done with it on return): a fresh buffer per block would pile up as external
 * memory until a full collection, and bring that collection sooner.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);
function blockText(pieces: readonly Piece[]): Buffer {
  let n = 0;
  for (const p of pieces) n += p.plain.length;
  if (n > scratch.length) scratch = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(n)));
  n = 0;
  for (const p of pieces) n += p.plain.copy(scratch, n);
  return scratch.subarray(0, n);
}

/** Whether blocks are queued or being gzipped (a test waits for none). */
export function blocksPending(): boolean {
  return draining;
}

function drain(): void {
  const end = performance.now() + SLICE_MS;
  while (queue.length > 0 && performance.now() < end) {
    const job = queue[0];
    const group = job.groups.pop()!;
    try {
      job.family.addBlock(new Block(group, gzipSync(blockText(group), BLOCK_GZIP)));
    } catch {
      // Out of memory for a block: its pieces keep their own members, which say the same.
    }
    if (job.groups.length === 0) {
      queue.shift();
      job.family.consolidated();
    }
  }
  if (queue.length > 0) setImmediate(drain).unref();
  else draining = false;
}

/**
 * One family's series, per model, in the order prom-client holds them: a
 * label set set again keeps its place, a model removed and published again
 * moves to the end. The family's joined bytes are kept until a model changes.
 * Its settled chunks are consolidated into blocks in the background; a block
 * that is ready, and still current, then replaces its pieces' members.
 */
export class ModelChunks {
  private readonly chunks = new Map<string, Piece>();
  private cached: Joined | null = null;
  /** Blocks by their first piece. */
  private blocks = new Map<Piece, Block>();
  private pending = false;
  private timer: NodeJS.Timeout | null = null;

  /** `changed`: told when the family's bytes changed without a model changing (a block became ready). */
  constructor(
    readonly name: string,
    private readonly changed: () => void = () => {},
    private readonly settleMs = SETTLE_MS,
  ) {}

  /** Replaces the model's series in place; a label set given twice keeps its first place and its last value, as a gauge set twice does. */
  set(model: string, series: readonly { labels: Record<string, string>; value: number }[]): void {
    this.cached = null;
    if (series.length === 0) {
      this.chunks.delete(model);
      return;
    }
    const lines = new Map<string, number>();
    for (const s of series) lines.set(seriesName(this.name, s.labels), s.value);
    let text = '';
    for (const [key, value] of lines) text += `\n${key} ${formatValue(value)}`;
    this.chunks.set(model, new Piece(text));
  }

  delete(model: string): void {
    if (this.chunks.delete(model)) this.cached = null;
  }

  get empty(): boolean {
    return this.chunks.size === 0;
  }

  /** The family's header (the same at every call) and every model's chunk, joined: current blocks where they match, the other pieces' own members. */
  joined(head: Piece): Joined {
    if (this.cached) return this.cached;
    const pieces = [...this.chunks.values()];
    const parts: Part[] = [head];
    const kept = new Map<Piece, Block>();
    const runs: Piece[][] = [];
    let loose: Piece[] = [];
    for (let i = 0; i < pieces.length; ) {
      const block = this.blocks.get(pieces[i]);
      if (block?.matches(pieces, i)) {
        if (loose.length > 0) runs.push(loose);
        loose = [];
        kept.set(pieces[i], block);
        parts.push(block);
        i += block.pieces.length;
      } else {
        loose.push(pieces[i]);
        parts.push(pieces[i]);
        i++;
      }
    }
    if (loose.length > 0) runs.push(loose);
    // A block no longer matched stands for pieces the family no longer holds: dropped. Its other pieces are loose from now
    // on: in a round, models republish one after another, and each would break a block made of the rest at once.
    const now = performance.now();
    for (const [first, block] of this.blocks) if (kept.get(first) !== block) for (const p of block.pieces) p.looseSince = Math.max(p.looseSince, now);
    this.blocks = kept;
    if (runs.length > 0 && !this.pending) this.consolidate(runs);
    return (this.cached = new Joined(parts));
  }

  /** Queues the runs' settled groups; a run's chunks loose only briefly are looked at again once they have settled. */
  private consolidate(runs: Piece[][]): void {
    const settledBefore = performance.now() - this.settleMs;
    const groups: Piece[][] = [];
    let youngest = -Infinity;
    for (const run of runs) {
      for (let at = 0; at < run.length; at += BLOCK_MODELS) {
        const end = Math.min(run.length, at + BLOCK_MODELS);
        // A lone chunk gains nothing from a block of its own.
        if (end - at < 2) continue;
        let since = -Infinity;
        for (let k = at; k < end; k++) since = Math.max(since, run[k].looseSince);
        if (since <= settledBefore) groups.push(run.slice(at, end));
        else youngest = Math.max(youngest, since);
      }
    }
    if (groups.length > 0) {
      this.pending = true;
      queue.push({ family: this, groups });
      if (!draining) {
        draining = true;
        setImmediate(drain).unref();
      }
    }
    if (youngest > -Infinity && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.cached = null;
        this.changed();
      }, Math.max(0, youngest + this.settleMs - performance.now())).unref();
    }
  }

  /** A block of this family is ready. */
  addBlock(block: Block): void {
    this.blocks.set(block.pieces[0], block);
  }

  /** This family's queued blocks are ready: its next joining uses them (and queues what has settled since). */
  consolidated(): void {
    this.pending = false;
    this.cached = null;
    this.changed();
  }
}
