// Sharding: every model belongs to exactly one of COUNT shards, by its name alone, so adding a model moves
// no other and growing COUNT moves only what the new shard takes; `--shard` is parsed strictly.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inShard, parseShard, shardOf } from '../../src/schedule/index.js';

const names = (n: number, prefix = 'model-') => Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}` }));

describe('shardOf', () => {
  for (const count of [1, 2, 3, 5, 16]) {
    it(`puts each of 300 models in exactly one of ${count} shard(s), the same every time, and spreads them`, () => {
      const models = names(300);
      const parts = Array.from({ length: count }, (_, index) => inShard(models, { index, count }).map((m) => m.name));
      assert.equal(parts.flat().length, models.length);
      assert.equal(new Set(parts.flat()).size, models.length, 'no model in two shards');
      for (const m of models) assert.equal(shardOf(m.name, count), shardOf(m.name, count));
      for (const p of parts) assert.ok(p.length > (300 / count) * 0.6, `a shard of ${p.length} of 300 with ${count} shards`);
    });
  }

  it('moves no model when models are added or removed', () => {
    const before = names(200);
    const after = [...names(150), ...names(80, 'new-')];
    for (const count of [2, 3, 7]) for (const m of after.filter((a) => before.some((b) => b.name === a.name))) assert.equal(shardOf(m.name, count), shardOf(m.name, count));
    const shard = { index: 1, count: 3 };
    const kept = new Set(inShard(before, shard).map((m) => m.name));
    for (const m of inShard(after, shard)) if (before.some((b) => b.name === m.name)) assert.ok(kept.has(m.name), `${m.name} stayed`);
  });

  const growth: [number, number][] = [[1, 2], [2, 3], [3, 4], [4, 5], [7, 8]];
  for (const [from, to] of growth) {
    it(`going from ${from} to ${to} shards moves only models to the new shard, about 1/${to} of them`, () => {
      const models = names(1000);
      const moved = models.filter((m) => shardOf(m.name, from) !== shardOf(m.name, to));
      for (const m of moved) assert.equal(shardOf(m.name, to), to - 1, `${m.name} moved to an old shard`);
      assert.ok(Math.abs(moved.length - 1000 / to) < 0.25 * (1000 / to), `${moved.length} of 1000 moved`);
    });
  }
});

describe('parseShard', () => {
  const cases: [string, { index: number; count: number } | null][] = [
    ['0/1', { index: 0, count: 1 }],
    ['1/3', { index: 1, count: 3 }],
    [' 2/3 ', { index: 2, count: 3 }],
    ['3/3', null],
    ['0/0', null],
    ['-1/3', null],
    ['1', null],
    ['1/3/4', null],
    ['a/b', null],
    ['1.5/3', null],
  ];
  for (const [text, want] of cases) it(`"${text}" → ${JSON.stringify(want)}`, () => assert.deepEqual(parseShard(text), want));
});
