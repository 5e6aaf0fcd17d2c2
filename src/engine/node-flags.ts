/**
 * Node options of every process that runs the engine: the CLI (its shebang,
 * the npm scripts, the image's entrypoint) and serve's engine processes.
 *
 * A run allocates little on the JavaScript heap (~12 MB stay live) but passes
 * gigabytes through short-lived buffers, and V8 sizes the old generation's
 * limit from the live size: with the default, it starts incremental marking
 * about every 50 ms of a scan, for nothing (12 MB -> 12 MB), ~240 times in
 * W3. A 64 MB floor under that limit ends it: W3 cold 17-21 -> 13.5-15 s,
 * W1 -10%, W2 -5%, peak RSS unchanged (bench/RESULTS.md). V8 reads the
 * option only at start-up; set later (v8.setFlagsFromString) it does nothing.
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=64'];
