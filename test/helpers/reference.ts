import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The SciPy reference cases, in the repository (test/fixtures/reference; its README defines every statistic). */
export const REFERENCE_DIR = fileURLToPath(new URL('../../../test/fixtures/reference', import.meta.url));

/** One reference case: the input and SciPy's expected output. */
export interface ReferenceCase {
  name: string;
  type: 'numeric' | 'categorical';
  baseline: (number | string | null)[];
  window: (number | string | null)[];
  expected: any;
}

/** Every case in the reference folder; throws when the folder is missing so a run never passes vacuously. */
export function loadReferenceCases(): ReferenceCase[] {
  const dir = path.join(REFERENCE_DIR, 'cases');
  if (!existsSync(dir)) throw new Error(`reference cases not found at ${dir}`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))
    .sort()
    .map((f) => {
      const input = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
      const expected = JSON.parse(readFileSync(path.join(dir, f.replace(/\.json$/, '.expected.json')), 'utf8'));
      return { ...input, expected };
    });
}

/** |got − want| <= 1e-9 · max(1, |want|): the reference's tolerance for statistics. */
export function closeStat(got: number, want: number): boolean {
  return Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want));
}

/** |got − want| <= max(1e-4 · want, 1e-12): the reference's tolerance for p-values. */
export function closeP(got: number, want: number): boolean {
  return Math.abs(got - want) <= Math.max(1e-4 * want, 1e-12);
}
