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
const escapeLabel = (v: unknown) => (typeof v === 'string' ? escapeText(v).replace(/"/g, '\\"') : String(v));

/** A sample value as prom-client writes it (NaN as "Nan", as it does). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'Nan';
  if (!Number.isFinite(v)) return v < 0 ? '-Inf' : '+Inf';
  return `${v}`;
}

/** `name{a="x",b="y"}`, labels in the object's own order, as prom-client writes them. */
function seriesName(name: string, labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length > 0 ? `${name}{${parts.join(',')}}` : name;
}

/** The HELP and TYPE lines of a family. */
export function familyHeader(name: string, help: string, type: string): string {
  const n = escapeText(name);
  return `# HELP ${n} ${escapeText(help)}\n# TYPE ${n} ${type}`;
}

/** Pieces joined once: their bytes, and their gzip members, concatenated when first asked for. */
export class Joined {
  private plainBytes: Buffer | null = null;
  private gz: Buffer | Promise<Buffer> | null = null;

  constructor(private readonly parts: readonly Piece[]) {}

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
 * One family's series, per model, in the order prom-client holds them: a
 * label set set again keeps its place, a model removed and published again
 * moves to the end. The family's joined bytes are kept until a model changes.
 */
export class ModelChunks {
  private readonly chunks = new Map<string, Piece>();
  private cached: Joined | null = null;

  constructor(readonly name: string) {}

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

  /** The family's header (the same at every call) and every model's chunk, joined. */
  joined(head: Piece): Joined {
    return (this.cached ??= new Joined([head, ...this.chunks.values()]));
  }
}
