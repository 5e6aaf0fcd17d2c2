// A segmented window column settled on the summary threads: each segment sorted once, the whole merged from them,
// and a segment whose baseline lives in another thread settled there from its sorted values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INLINE_MAX_VALUES, setInlineLimit, setSummaryThreads, settleOffThread, settleSegmentsOffThread, summarizeOffThread } from '../../../src/engine/threads/index.js';

const values = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));

test('segments settled in the whole baseline\'s thread or sent sorted to their own give the statistics of each slice settled alone', async (t) => {
  // On the workers, whatever the size (small columns are otherwise summarized on the main thread).
  setInlineLimit(0);
  t.after(() => setInlineLimit(INLINE_MAX_VALUES));
  setSummaryThreads(2);
  const whole = (await summarizeOffThread(values(3000, (i) => (i * 37) % 1000))).value!;
  // Round robin: the next summary goes to the other thread; `near` pins one to the whole's.
  const elsewhere = (await summarizeOffThread(values(1000, (i) => (i * 13) % 500))).value!;
  const here = (await summarizeOffThread(values(1000, (i) => (i * 7) % 800 + 100), whole)).value!;
  assert.notEqual(elsewhere.thread, whole.thread, 'two threads');
  assert.equal(here.thread, whole.thread);
  const n = 5000;
  const segOf = (i: number) => (i % 5 === 0 ? 2 : i % 2);
  const window = values(n, (i) => (i % 97 === 0 ? NaN : ((i * 53) % 1200) + segOf(i) * 40));
  const part = (s: number) => window.filter((_, i) => segOf(i) === s);
  // Grouped by segment as the scan places them, missing values included.
  const grouped = Float64Array.from([...part(0), ...part(1), ...part(2)]);
  const bounds = [0, part(0).length, part(0).length + part(1).length, n];
  const alone = await Promise.all([
    settleOffThread(here, part(0)),
    settleOffThread(elsewhere, part(1)),
    settleOffThread(whole, part(2)),
    settleOffThread(whole, window.slice()),
  ]);
  const r = await settleSegmentsOffThread(whole, [here, elsewhere, null], grouped, bounds);
  assert.deepEqual(r.whole.stats, alone[3].stats, 'the whole column, merged from the sorted segments');
  assert.deepEqual(r.parts[0].stats, alone[0].stats, 'a segment settled next to the whole baseline');
  assert.equal(r.parts[1].stats, null);
  const sorted = r.parts[1].sorted!;
  assert.ok(sorted.every((x, i) => i === 0 || sorted[i - 1] <= x), 'sent sorted');
  assert.deepEqual((await settleOffThread(elsewhere, sorted, true)).stats, alone[1].stats, 'and settled in its own thread');
  assert.deepEqual([r.parts[2].stats, r.parts[2].finite], [null, part(2).filter(Number.isFinite).length], 'no baseline: only counted');
  assert.deepEqual(r.parts.map((p) => p.finite), [0, 1, 2].map((s) => part(s).filter(Number.isFinite).length));
});
