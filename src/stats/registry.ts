import type { DriftTest, FeatureType } from './types.js';
import { ks } from './tests/ks.js';
import { chi2 } from './tests/chi2.js';
import { jensenShannon } from './tests/jensen-shannon.js';
import { psi } from './tests/psi.js';
import { wasserstein } from './tests/wasserstein.js';

/** Every test, listed explicitly; CLI choices, config keys, help and metrics derive from this list. */
export const TESTS = [ks, chi2, jensenShannon, psi, wasserstein] as const;

/** The id of a registered test. */
export type TestId = (typeof TESTS)[number]['id'];

/** The test ids, in registry order. */
export const TEST_IDS: readonly TestId[] = TESTS.map((t) => t.id);

/** The test with this id. */
export function getTest(id: TestId): DriftTest<TestId> {
  const test = TESTS.find((t) => t.id === id);
  if (!test) throw new Error(`unknown test "${id}"; known: ${TEST_IDS.join(', ')}`);
  return test;
}

/** The tests that apply to a feature type, in registry order. */
export function testsFor(type: FeatureType): readonly DriftTest<TestId>[] {
  return TESTS.filter((t) => (t.appliesTo as readonly FeatureType[]).includes(type));
}
