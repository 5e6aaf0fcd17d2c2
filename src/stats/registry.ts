import type { DriftTest, FeatureType, TestId } from './types.js';
import { ks } from './ks.js';
import { chi2 } from './chi2.js';
import { js } from './js.js';
import { psi } from './psi.js';
import { wasserstein } from './wasserstein.js';

/** Every test, listed explicitly; CLI choices, config keys and metrics derive from this list. */
export const TESTS: readonly DriftTest[] = [ks, chi2, js, psi, wasserstein];

/** The test ids, in registry order. */
export const TEST_IDS = TESTS.map((t) => t.id) as readonly TestId[];

/** The test with this id. */
export function getTest(id: TestId): DriftTest {
  const test = TESTS.find((t) => t.id === id);
  if (!test) throw new Error(`unknown test "${id}"; known: ${TEST_IDS.join(', ')}`);
  return test;
}

/** The tests that apply to a feature type, in registry order. */
export function testsFor(type: FeatureType): readonly DriftTest[] {
  return TESTS.filter((t) => t.appliesTo.includes(type));
}
