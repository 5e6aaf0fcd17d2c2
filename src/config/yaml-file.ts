import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { ConfigError } from './errors.js';

/** Far above any real config; a bigger file is refused rather than read into memory. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Reads and parses a YAML file (config or web config); errors name the file.
 * YAML merge keys (`<<: *anchor`) are resolved.
 */
export function readYamlFile(file: string, what: string): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(readBoundedFile(file, what), { prettyErrors: true, merge: true, lineCounter: lines });
  if (doc.errors.length > 0) throw new ConfigError(`${file}: invalid YAML: ${doc.errors[0].message}`);
  const bad = badAlias(doc);
  if (bad) {
    const { line, col } = lines.linePos(bad.node.range?.[0] ?? 0);
    throw new ConfigError(`${file}: invalid YAML at line ${line}, column ${col}: ${bad.why}`);
  }
  try {
    return doc.toJS();
  } catch (err) {
    // e.g. an alias to an undefined anchor, or the alias-expansion bound
    throw new ConfigError(`${file}: invalid YAML: ${(err as Error).message}`, { cause: err });
  }
}

/** The first alias without an anchor, or merge (`<<`) source that is not a mapping: toJS would say where neither is. */
function badAlias(doc: Document): { node: Node; why: string } | null {
  let bad: { node: Node; why: string } | null = null;
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc)) return undefined;
      bad = { node: alias, why: `alias *${alias.source} has no anchor &${alias.source} before it` };
      return visit.BREAK;
    },
    Pair(_, pair) {
      if (!isScalar(pair.key) || typeof pair.key.value !== 'symbol' || !pair.value) return undefined;
      for (const source of isSeq(pair.value) ? pair.value.items : [pair.value]) {
        const target = isAlias(source) ? source.resolve(doc) : source;
        if (isAlias(source) && !target) continue; // reported by Alias
        if (!isMap(target)) {
          bad = { node: source as Node, why: 'a merge key (<<) takes a mapping, an alias of one (*name) or a list of them' };
          return visit.BREAK;
        }
      }
      return undefined;
    },
  });
  return bad;
}

/**
 * The text of a regular file of at most MAX_CONFIG_BYTES. Opened without
 * blocking and checked on the open descriptor, so that a FIFO, a device such
 * as /dev/zero or a directory is refused at once instead of hanging.
 */
function readBoundedFile(file: string, what: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new ConfigError(`${file}: cannot read ${what}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ConfigError(`${file}: cannot read ${what}: not a regular file (${kind(st)})`);
    if (st.size > MAX_CONFIG_BYTES) throw new ConfigError(`${file}: cannot read ${what}: ${st.size} bytes, more than the ${MAX_CONFIG_BYTES / 1024 / 1024} MiB allowed`);
    // Read one byte past the bound in case the file grows while we read it.
    const buf = Buffer.allocUnsafe(MAX_CONFIG_BYTES + 1);
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    if (n > MAX_CONFIG_BYTES) throw new ConfigError(`${file}: cannot read ${what}: more than the ${MAX_CONFIG_BYTES / 1024 / 1024} MiB allowed`);
    return buf.toString('utf8', 0, n);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${file}: cannot read ${what}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  } finally {
    closeSync(fd);
  }
}

function kind(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}
