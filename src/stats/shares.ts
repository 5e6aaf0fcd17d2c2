/** Counts to shares of their total (all zeros stay zeros). */
export function shares(counts: Float64Array): Float64Array {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const out = new Float64Array(counts.length);
  if (total === 0) return out;
  for (let i = 0; i < counts.length; i++) out[i] = counts[i] / total;
  return out;
}
