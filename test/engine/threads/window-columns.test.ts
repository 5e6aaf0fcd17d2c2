// Window columns counted on the summary threads pass by pass, in many stages per
// column (each buffer filled again once its thread gave it back), chunks of uneven sizes, and columns whose
// first stage is sent early (stagger), all give what the same column settled whole gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INLINE_MAX_VALUES, setInlineLimit, setSummaryThreads, settleOffThread, summarizeOffThread, WindowColumns } from '../../../src/engine/threads/index.js';

const values = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));

/** A chunk as a scan hands it over: each column's rows read to its slot, then added. */
function feed(cols: WindowColumns, reading: readonly number[], window: readonly Float64Array[], at: number, count: number) {
  cols.slots(count).forEach((slot, i) => slot.array.set(window[reading[i]].subarray(at, at + count), slot.at));
  return cols.added(count);
}

test('a window counted on the threads in many stages per column gives the statistics of the column settled whole', async (t) => {
  setInlineLimit(0);
  t.after(() => setInlineLimit(INLINE_MAX_VALUES));
  setSummaryThreads(2);
  const columns = [
    { baseline: (i: number) => Math.sin(i * 0.37) * 100, window: (i: number) => (i % 101 === 0 ? NaN : Math.sin(i * 0.11) * 100 + 3) },
    { baseline: (i: number) => (i * 7919) % 10007, window: (i: number) => (i % 13 === 0 ? Infinity : (i * 104729) % 10007) },
    { baseline: (i: number) => Math.exp((i % 500) / 100), window: (i: number) => Math.exp((i % 470) / 100 + 0.01) },
  ];
  const refs = [];
  for (const c of columns) refs.push((await summarizeOffThread(values(20_000, c.baseline))).value!);
  assert.notEqual(refs[0].thread, refs[1].thread, 'two threads');
  // Over five stages of 2^17 values per column, in chunks of uneven sizes.
  const n = 5 * (1 << 17) + 12_345;
  const window = columns.map((c) => values(n, c.window));
  const whole = await Promise.all(refs.map((r, k) => settleOffThread(r, window[k].slice())));
  // A large budget collects the open values in a second pass; a small one splits them over more passes.
  for (const budget of [1 << 25, 3000]) {
    const cols = await WindowColumns.open(refs, budget, n);
    let passes = 0;
    try {
      for (let reading = cols.reading; reading.length > 0; reading = await cols.endPass()) {
        passes++;
        for (let at = 0, step = 1; at < n; at += step, step = step === 2048 ? 777 : 2048) {
          const count = Math.min(step, n - at);
          const waiting = feed(cols, reading, window, at, count);
          if (waiting) await waiting;
        }
      }
      const results = await cols.finish();
      results.forEach((r, k) => {
        const w = whole[k].stats!;
        const g = r.stats!;
        assert.equal(r.missing, n - whole[k].finite, `column ${k}: missing`);
        for (const key of ['n', 'm', 'd', 'bins', 'outOfRange', 'edges'] as const) assert.deepEqual(g[key], w[key], `column ${k} ${key} (budget ${budget})`);
        // Where D is reached may differ where it is reached twice (the grid may find it just below a point), not D.
        assert.equal(Math.abs(g.ksAt.baseline - g.ksAt.window), g.d, `column ${k}: D at ksAt`);
        assert.ok(Math.abs(g.w1 - w.w1) <= 1e-12 * w.w1, `column ${k} w1 ${g.w1} against ${w.w1}`);
        assert.deepEqual(g.windowStats.quantiles, w.windowStats.quantiles, `column ${k} quantiles`);
        for (const key of ['mean', 'std'] as const) assert.ok(Math.abs(g.windowStats[key]! - w.windowStats[key]!) <= 1e-13 * Math.abs(w.windowStats[key]!), `column ${k} ${key}: ${g.windowStats[key]} against ${w.windowStats[key]}`);
      });
    } finally {
      cols.close();
    }
    assert.ok(passes >= 2, `budget ${budget}: ${passes} passes`);
  }
});

test("a long window's first pass on the threads guesses its open intervals: a drifted column settles in it, and every column as whole", async (t) => {
  setInlineLimit(0);
  t.after(() => setInlineLimit(INLINE_MAX_VALUES));
  setSummaryThreads(2);
  // Deterministic normals (an LCG's uniforms through Box–Muller).
  const normal = (seed: number, mean: number) => {
    let s = seed;
    const u = () => ((s = (s * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
    return () => mean + Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  };
  const draw = (n: number, g: () => number, missing = 0) => values(n, (i) => (missing && i % missing === 0 ? NaN : g()));
  const baselines = [draw(20_000, normal(1, 0)), draw(20_000, normal(2, 0))];
  const refs = [];
  for (const b of baselines) refs.push((await summarizeOffThread(b)).value!);
  // Longer than four guessing prefixes (2^18 values each): column 0 has drifted, column 1 follows its baseline.
  const n = 1_300_000;
  const window = [draw(n, normal(3, 0.3), 97), draw(n, normal(4, 0))];
  const whole = await Promise.all(refs.map((r, k) => settleOffThread(r, window[k].slice())));
  for (const budget of [1 << 25, 3000]) {
    const cols = await WindowColumns.open(refs, budget, n);
    const read: number[][] = [];
    try {
      for (let reading = cols.reading; reading.length > 0; reading = await cols.endPass()) {
        read.push([...reading]);
        for (let at = 0; at < n; at += 2048) {
          const count = Math.min(2048, n - at);
          const waiting = feed(cols, reading, window, at, count);
          if (waiting) await waiting;
        }
      }
      (await cols.finish()).forEach((r, k) => {
        const w = whole[k].stats!;
        const g = r.stats!;
        assert.equal(r.missing, n - whole[k].finite, `column ${k}: missing`);
        for (const key of ['n', 'm', 'd', 'bins', 'outOfRange', 'edges'] as const) assert.deepEqual(g[key], w[key], `column ${k} ${key} (budget ${budget})`);
        assert.ok(Math.abs(g.w1 - w.w1) <= 1e-12 * w.w1, `column ${k} w1 ${g.w1} against ${w.w1}`);
        assert.deepEqual(g.windowStats.quantiles, w.windowStats.quantiles, `column ${k} quantiles`);
      });
    } finally {
      cols.close();
    }
    // With room in the budget the drifted column is not read again; without, the guess is not made.
    assert.deepEqual(read[1], budget === 1 << 25 ? [1] : [0, 1], `budget ${budget}: columns read by pass 2`);
  }
});
