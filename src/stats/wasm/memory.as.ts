// AssemblyScript: linear memory for the kernels (lattice.as.ts, streaming/wasm/kernels.as.ts), each of which
// re-exports it. A caller lays out its arrays after the static data.

/** Makes room for `bytes` after the static data; returns where it starts, or 0 when memory cannot grow. */
export function reserve(bytes: usize): usize {
  const base: usize = (__heap_base + 15) & ~(<usize>15);
  const need: usize = base + bytes;
  const have: usize = (<usize>memory.size()) << 16;
  if (need > have && memory.grow(<i32>((need - have + 0xffff) >>> 16)) < 0) return 0;
  return base;
}
