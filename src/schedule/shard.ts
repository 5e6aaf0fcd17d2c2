/**
 * Which replica runs which model: rendezvous (highest random weight)
 * hashing of the model name. Each model goes to the shard with the highest
 * hash of (name, shard), so a model's shard depends on its name and COUNT
 * alone: adding or removing a model moves no other, and going from COUNT to
 * COUNT+1 shards moves only the models the new shard wins (about 1/(COUNT+1)).
 */
import { createHash } from 'node:crypto';

/** The shard, in [0, count), that runs the model of this name. */
export function shardOf(name: string, count: number): number {
  let best = 0;
  let bestWeight = -1n;
  for (let i = 0; i < count; i++) {
    const weight = createHash('sha256').update(`${i}\0${name}`).digest().readBigUInt64BE(0);
    if (weight > bestWeight) {
      best = i;
      bestWeight = weight;
    }
  }
  return best;
}

/** The items whose name belongs to shard `index` of `count`. */
export function inShard<T extends { name: string }>(items: readonly T[], shard: { index: number; count: number } | null): T[] {
  return shard ? items.filter((m) => shardOf(m.name, shard.count) === shard.index) : [...items];
}

/** Parses `--shard INDEX/COUNT`; null when malformed (the caller names the flag). */
export function parseShard(text: string): { index: number; count: number } | null {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return count >= 1 && count <= 10000 && index < count ? { index, count } : null;
}
