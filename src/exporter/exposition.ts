/**
 * A family of the text exposition kept as pre-rendered chunks per model, so
 * that a model's new report re-renders that model's lines (and its block's
 * gzip member) only, not the fleet's. The lines are prom-client's
 * (lib/registry.js, lib/util.js): the registry's own rendering of the same
 * gauges is the tests' reference.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback, gzipSync, type ZlibOptions } from 'node:zlib';

export const gzipAsync = promisify(gzipCallback);

/** Pieces up to this size are gzipped on the loop; a window that covers the whole piece loses nothing, and costs zlib far less to set up than the default 32 KiB. */
const SMALL = 16384;
// Output in 512-byte chunks: a member (~100 bytes) is then a slice of Buffer's shared pool, not of a 4 KiB buffer of its own.
const SMALL_GZIP = { windowBits: 12, memLevel: 5, chunkSize: 512 };

/** A piece of the exposition: its bytes, and a gzip member of them (members concatenate into one gzip stream, RFC 1952 2.2). */
export class Piece {
  readonly plain: Buffer;
  private gz: Buffer | Promise<Buffer> | null = null;

  constructor(text: string, small: ZlibOptions = SMALL_GZIP) {
    this.plain = Buffer.from(text, 'utf8');
    // A small piece (a block of models' lines) is gzipped at once, on the loop: tens of µs, where a trip to libuv's pool
    // costs the loop about 150 µs of set-up. A larger piece (a family prom-client renders) goes to the pool when asked for.
    if (this.plain.length <= SMALL) this.gz = gzipSync(this.plain, small);
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

/** Models per gzip member of a family: a member of one model's ~1 KiB compresses to a third, one of eight to a tenth, and costs zlib about the same. */
export const BLOCK_MODELS = 8;
const BLOCK_GZIP = { windowBits: 14, memLevel: 7, chunkSize: 512 };

/**
 * One family's series, per model. A model keeps its place (the order it was
 * first published in) while it has series; models are grouped by place into
 * blocks of BLOCK_MODELS, and a block's text and gzip member are made again
 * only when one of its models changed. The family's joined bytes are kept
 * until then too.
 */
export class ModelChunks {
  /** Per model, its lines and its place. */
  private readonly chunks = new Map<string, { text: string; slot: number }>();
  /** Per block (slot ÷ BLOCK_MODELS), its piece; absent when it must be made again. */
  private readonly blocks = new Map<number, Piece>();
  private nextSlot = 0;
  private cached: Joined | null = null;

  constructor(readonly name: string) {}

  /** Replaces the model's series; a label set given twice keeps its first place and its last value, as a gauge set twice does. */
  set(model: string, series: readonly { labels: Record<string, string>; value: number }[]): void {
    if (series.length === 0) return this.delete(model);
    const lines = new Map<string, number>();
    for (const s of series) lines.set(seriesName(this.name, s.labels), s.value);
    let text = '';
    for (const [key, value] of lines) text += `\n${key} ${formatValue(value)}`;
    const slot = this.chunks.get(model)?.slot ?? this.nextSlot++;
    this.chunks.set(model, { text, slot });
    this.changed(slot);
  }

  delete(model: string): void {
    const c = this.chunks.get(model);
    if (!c) return;
    this.chunks.delete(model);
    this.changed(c.slot);
  }

  get empty(): boolean {
    return this.chunks.size === 0;
  }

  /** The family's header (the same at every call) and every block, joined; changed blocks are made here. */
  joined(head: Piece): Joined {
    if (this.cached) return this.cached;
    const texts = new Map<number, string>();
    for (const { text, slot } of this.chunks.values()) {
      const b = Math.floor(slot / BLOCK_MODELS);
      if (!this.blocks.has(b)) texts.set(b, (texts.get(b) ?? '') + text);
    }
    for (const [b, text] of texts) this.blocks.set(b, new Piece(text, BLOCK_GZIP));
    const order = [...this.blocks.keys()].sort((x, y) => x - y);
    return (this.cached = new Joined([head, ...order.map((b) => this.blocks.get(b)!)]));
  }

  private changed(slot: number): void {
    this.cached = null;
    this.blocks.delete(Math.floor(slot / BLOCK_MODELS));
  }
}
