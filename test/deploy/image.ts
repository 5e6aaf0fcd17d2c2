/**
 * What the Dockerfile's runtime stage puts where: the manifests mount over,
 * and point into, the image it builds.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The runtime stage: its working directory, user, and the repo path each COPY lands at. */
export interface RuntimeImage {
  workdir: string;
  user: string;
  /** Absolute path in the image -> repo path it is copied from. */
  copies: Map<string, string>;
  /** The RUN lines, joined. */
  runs: string[];
}

/** One Dockerfile instruction: its keyword (upper case) and the rest of its line. */
export interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
export function dockerfile(file = 'Dockerfile'): Instruction[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => /^\s*([A-Za-z]+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ op: m[1].toUpperCase(), args: m[2].trim() }));
}

export function runtimeImage(file = 'Dockerfile'): RuntimeImage {
  const lines = dockerfile(file);
  const stage = lines.slice(lines.map((l) => l.op).lastIndexOf('FROM'));
  const image: RuntimeImage = { workdir: '/', user: 'root', copies: new Map(), runs: [] };
  for (const { op, args } of stage) {
    if (op === 'WORKDIR') image.workdir = path.posix.resolve(image.workdir, args);
    if (op === 'USER') image.user = args.split(':')[0];
    if (op === 'RUN') image.runs.push(args);
    if (op === 'COPY') {
      const words = args.split(/\s+/);
      if (words.some((w) => w.startsWith('--from='))) continue;
      const paths = words.filter((w) => !w.startsWith('--'));
      const dest = path.posix.resolve(image.workdir, paths.at(-1)!);
      for (const src of paths.slice(0, -1)) image.copies.set(paths.length > 2 || dest.endsWith('/') ? path.posix.join(dest, path.posix.basename(src)) : dest, src);
    }
  }
  return image;
}

/** The repo path an absolute image path comes from, or undefined when no COPY puts it there. */
export function repoPathOf(image: RuntimeImage, p: string): string | undefined {
  for (const [dest, src] of image.copies) {
    if (p === dest) return src;
    if (p.startsWith(`${dest}/`)) return path.join(src, p.slice(dest.length + 1));
  }
  return undefined;
}
