/**
 * Config files that must be refused: the YAML, the environment it is read
 * with, and what the message must say after "<file>: " (the key path, then
 * what was expected and what was found). `cli` marks the few that the CLI and
 * serve suites also run as child processes.
 */

export interface ConfigCase {
  name: string;
  yaml: string;
  message: RegExp;
  env?: NodeJS.ProcessEnv;
  cli?: boolean;
}

const model = (extra: string) => `models:\n  - { name: a, baseline: b, window: w, timestamp_column: ts${extra ? `, ${extra}` : ''} }\n`;

const TIMER_LIMIT = /at most 24d20h31m23s647ms \(2\^31-1 ms, the limit of Node's timers\)/.source;
const BAD_DURATION = /expected a duration in whole units, largest first: ms, s, m, h, d, w/.source;

export const CONFIG_CASES: ConfigCase[] = [
  // Schema
  { cli: true, name: 'an unknown key', yaml: 'models:\n  - name: a\n    baseline: b\n    window: w\n    windw_duration: 1h\n', message: /models\[0\]\.windw_duration: unknown or unsupported key/ },
  { cli: true, name: 'a wrong type', yaml: 'models:\n  - name: a\n    baseline: b\n    window: w\n    id_columns: request_id\n', message: /models\[0\]\.id_columns: Invalid input: expected array, received string/ },
  { cli: true, name: 'a bad cron expression', yaml: 'defaults:\n  schedule: "61 * * * *"\nmodels:\n  - { name: a, baseline: b, window: w }\n', message: /defaults\.schedule: expected a cron expression/ },
  { cli: true, name: 'a bad duration', yaml: 'models:\n  - { name: a, baseline: b, window: w, run_timeout: soon }\n', message: /models\[0\]\.run_timeout: expected a duration/ },
  { cli: true, name: 'a bad threshold', yaml: 'defaults:\n  thresholds: { js: -1 }\nmodels:\n  - { name: a, baseline: b, window: w }\n', message: /defaults\.thresholds\.js: a distance threshold must be positive \(found -1\)/ },
  { cli: true, name: 'an unknown test', yaml: 'defaults:\n  primary: { numeric: ttest }\nmodels:\n  - { name: a, baseline: b, window: w }\n', message: /defaults\.primary\.numeric: Invalid option: expected one of "ks"\|"chi2"\|"js"\|"psi"\|"wasserstein" \(found "ttest"\)/ },
  { cli: true, name: 'a duplicate model name', yaml: 'models:\n  - { name: a, baseline: b, window: w }\n  - { name: a, baseline: b, window: w }\n', message: /models\[1\]\.name: duplicate model name "a"/ },
  { name: 'a required key missing', yaml: 'models:\n  - { name: a, window: w }\n', message: /models\[0\]\.baseline: Invalid input: expected string, received undefined/ },
  { name: 'no models', yaml: 'models: []\n', message: /models: expected at least one model/ },
  { name: 'a p-value threshold of 1', yaml: 'defaults:\n  thresholds: { ks: 1 }\nmodels:\n  - { name: a, baseline: b, window: w }\n', message: /defaults\.thresholds\.ks: a p-value threshold must lie in \(0, 1\) \(found 1\)/ },
  { name: 'max_categories below 2', yaml: model('max_categories: 1'), message: /models\[0\]\.max_categories: .*>=2.* \(found 1\)/ },
  { name: 'a list at the top level', yaml: '- a\n', message: /\(top level\): Invalid input: expected object, received array/ },
  { name: 'an unknown top-level key (only x- keys are free)', yaml: 'common: &c { baseline: b, window: w }\nmodels:\n  - { <<: *c, name: a }\n', message: /common: unknown or unsupported key/ },
  { name: 'an unknown key in a feature override', yaml: model('features: [x], feature_overrides: { x: { threshold: { js: 1 } } }'), message: /models\[0\]\.feature_overrides\.x\.threshold: unknown or unsupported key/ },

  // File and YAML
  { name: 'invalid YAML', yaml: 'models: [\n', message: /invalid YAML: Flow sequence/ },
  { name: 'a duplicate YAML key', yaml: 'models:\n  - { name: a, name: b, baseline: b, window: w }\n', message: /invalid YAML: Map keys must be unique/ },
  { name: 'an alias without an anchor', yaml: 'models:\n  - <<: *nope\n    name: a\n', message: /invalid YAML at line 2, column 9: alias \*nope has no anchor &nope before it/ },
  { name: 'a merge of a scalar', yaml: 'models:\n  - <<: 3\n    name: a\n    baseline: b\n    window: w\n', message: /invalid YAML at line 2, column 9: a merge key \(<<\) takes a mapping/ },
  { name: 'a merge of a list element that is not a mapping', yaml: 'x-a: &a { baseline: b }\nmodels:\n  - <<: [*a, 3]\n    name: a\n    window: w\n', message: /invalid YAML at line 3, column 14: a merge key \(<<\) takes a mapping/ },
  { name: 'a merged key that is itself wrong', yaml: 'x-common: &c { baseline: b, window: w, window_duraton: 1h }\nmodels:\n  - { <<: *c, name: a }\n', message: /models\[0\]\.window_duraton: unknown or unsupported key/ },

  // Durations: whole units, largest first, at least 1 ms, within what can be honoured
  { name: 'a sub-millisecond duration', yaml: model('run_timeout: 0.0000001ms'), message: new RegExp(`models\\[0\\]\\.run_timeout: ${BAD_DURATION}.* \\(found "0\\.0000001ms"\\)`) },
  { name: 'a fractional duration', yaml: model('window_duration: 1.5h'), message: new RegExp(`models\\[0\\]\\.window_duration: ${BAD_DURATION}.* \\(found "1\\.5h"\\)`) },
  { name: 'a zero duration', yaml: model('window_duration: 0s'), message: /models\[0\]\.window_duration: a duration must be at least 1ms \(found "0s"\)/ },
  { name: 'a zero duration in two parts', yaml: 'defaults:\n  run_timeout: 0m0s\n' + model(''), message: /defaults\.run_timeout: a duration must be at least 1ms \(found "0m0s"\)/ },
  { name: 'units smallest first', yaml: model('window_duration: 30m1h'), message: new RegExp(`models\\[0\\]\\.window_duration: ${BAD_DURATION}`) },
  { name: 'a unit twice', yaml: model('window_duration: 1m1m'), message: new RegExp(`models\\[0\\]\\.window_duration: ${BAD_DURATION}`) },
  { name: 'a negative duration', yaml: model('window_duration: "-1h"'), message: new RegExp(`models\\[0\\]\\.window_duration: ${BAD_DURATION}`) },
  { name: 'a duration with a space', yaml: model('window_duration: 1 h'), message: new RegExp(`models\\[0\\]\\.window_duration: ${BAD_DURATION}`) },
  { name: 'an empty duration', yaml: model('window_duration: ""'), message: new RegExp(`models\\[0\\]\\.window_duration: ${BAD_DURATION}`) },
  { name: 'a duration without unit', yaml: model('window_duration: 10'), message: /models\[0\]\.window_duration: Invalid input: expected string, received number \(found 10\)/ },
  { name: 'a duration in an unknown unit', yaml: model('window_duration: 1y'), message: new RegExp(`models\\[0\\]\\.window_duration: ${BAD_DURATION}`) },
  { name: 'a window beyond 100 years', yaml: model('window_duration: 99999999999d'), message: /models\[0\]\.window_duration: at most 36500d \(100 years\) \(found "99999999999d"\)/ },
  { name: 'a window of 36501 days', yaml: model('window_duration: 36501d'), message: /models\[0\]\.window_duration: at most 36500d/ },
  { name: 'a duration beyond double precision', yaml: model(`window_duration: ${'9'.repeat(400)}ms`), message: /models\[0\]\.window_duration: at most 36500d/ },
  { name: 'run_timeout: 30d overflows the timer', yaml: model('run_timeout: 30d'), message: new RegExp(`models\\[0\\]\\.run_timeout: ${TIMER_LIMIT} \\(found "30d"\\)`) },
  { name: 'run_timeout one ms past the timer limit', yaml: 'defaults:\n  run_timeout: 24d20h31m23s648ms\n' + model(''), message: new RegExp(`defaults\\.run_timeout: ${TIMER_LIMIT}`) },
  { name: 'a window_duration on a model without timestamp_column', yaml: 'models:\n  - { name: a, baseline: b, window: w, window_duration: 1h }\n', message: /models\[0\]\.window_duration: needs timestamp_column: without one the whole window source is compared \(found "1h"\)/ },

  // as_of: ISO-8601, UTC unless zoned, no rollover
  { name: 'as_of on February 30', yaml: model('as_of: "2026-02-30"'), message: /models\[0\]\.as_of: day 30 does not exist in 2026-02 \(it has 28 days\) \(found "2026-02-30"\)/ },
  { name: 'as_of on February 29 of a common year', yaml: model('as_of: "2025-02-29T00:00:00Z"'), message: /models\[0\]\.as_of: day 29 does not exist in 2025-02/ },
  { name: 'as_of in month 13', yaml: model('as_of: "2026-13-01T00:00:00Z"'), message: /models\[0\]\.as_of: month 13 does not exist/ },
  { name: 'as_of at 24:61', yaml: model('as_of: "2026-01-01T24:61:00Z"'), message: /models\[0\]\.as_of: time 24:61:00 does not exist/ },
  { name: 'as_of at 24:00', yaml: model('as_of: "2026-01-01T24:00:00Z"'), message: /models\[0\]\.as_of: time 24:00:00 does not exist/ },
  { name: 'as_of with a leap second', yaml: model('as_of: "2026-01-01T23:59:60Z"'), message: /models\[0\]\.as_of: time 23:59:60 does not exist/ },
  { name: 'as_of with an impossible zone', yaml: model('as_of: "2026-01-01T00:00:00+24:00"'), message: /models\[0\]\.as_of: zone offset \+24:00 does not exist/ },
  { name: 'as_of with sub-millisecond digits', yaml: model('as_of: "2026-01-01T00:00:00.0000001Z"'), message: /models\[0\]\.as_of: sub-millisecond digits are not supported/ },
  { name: 'as_of in words', yaml: model('as_of: yesterday'), message: /models\[0\]\.as_of: expected an ISO-8601 time such as 2026-11-01T00:00:00Z.* \(found "yesterday"\)/ },
  { name: 'as_of as a bare year', yaml: model('as_of: "2026"'), message: /models\[0\]\.as_of: expected an ISO-8601 time/ },
  { name: 'as_of as a number', yaml: model('as_of: 1767225600'), message: /models\[0\]\.as_of: Invalid input: expected string, received number/ },

  // feature_overrides must name a listed feature
  { name: 'a feature_overrides typo with a features list', yaml: model('features: [age, income], feature_overrides: { incme: { thresholds: { js: 0.1 } } }'), message: /models\[0\]\.feature_overrides\.incme: not a listed feature or prediction column of model "a" \(listed: "age", "income"\) \(found "incme"\)/ },
  { name: 'a feature_overrides typo with a features map', yaml: model('features: { age: numeric }, prediction_columns: [p], feature_overrides: { agee: { primary: { numeric: ks } } }'), message: /models\[0\]\.feature_overrides\.agee: not a listed feature or prediction column of model "a" \(listed: "age", "p"\)/ },
  { name: 'a feature_overrides key that only differs in case', yaml: model('features: [Age], feature_overrides: { age: {} }'), message: /models\[0\]\.feature_overrides\.age: not a listed feature/ },

  // ${ENV}
  { name: 'an unset variable', yaml: 'models:\n  - { name: a, baseline: "${NOPE}", window: w }\n', message: /models\[0\]\.baseline: environment variable NOPE is not set \(use \$\{NOPE:-default\} for a default\)/ },
  { name: 'an unset variable in a used nested default', yaml: 'models:\n  - { name: a, baseline: "${A:-${B:-${NOPE}}}", window: w }\n', message: /models\[0\]\.baseline: environment variable NOPE is not set/ },
  { name: 'an empty reference', yaml: 'models:\n  - { name: a, baseline: "x${}", window: w }\n', message: /models\[0\]\.baseline: malformed reference "\$\{\}": expected \$\{NAME\} or \$\{NAME:-default\}/ },
  { name: 'a reference to a name starting with a digit', yaml: 'models:\n  - { name: a, baseline: "${1A}", window: w }\n', message: /models\[0\]\.baseline: malformed reference "\$\{1A\}"/ },
  { name: 'the ${A-x} form', yaml: 'models:\n  - { name: a, baseline: "${A-x}", window: w }\n', message: /models\[0\]\.baseline: malformed reference "\$\{A-x\}".*write \$\$ for a literal \$/ },
  { name: 'the ${A:?x} form', yaml: 'models:\n  - { name: a, baseline: "${A:?x}", window: w }\n', message: /models\[0\]\.baseline: malformed reference "\$\{A:\?x\}"/ },
  { name: 'an unterminated reference', yaml: 'models:\n  - { name: a, baseline: "${A", window: w }\n', message: /models\[0\]\.baseline: malformed reference "\$\{A"/ },
  { name: 'an unterminated default', yaml: 'models:\n  - { name: a, baseline: "${A:-x", window: w }\n', message: /models\[0\]\.baseline: unterminated reference "\$\{A:-x": a "\}" is missing/ },
  { name: 'an unterminated nested default', yaml: 'models:\n  - { name: a, baseline: "${A:-${B:-x}", window: w }\n', message: /models\[0\]\.baseline: unterminated reference "\$\{A:-\$\{B:-x\}"/, env: { B: 'set' } },
  { name: 'a malformed reference inside an unused default', yaml: 'models:\n  - { name: a, baseline: "${A:-${}}", window: w }\n', message: /models\[0\]\.baseline: malformed reference "\$\{\}\}"/, env: { A: 'set' } },
  { name: 'a reference in a list', yaml: 'models:\n  - { name: a, baseline: b, window: w, id_columns: [id, "${NOPE}"] }\n', message: /models\[0\]\.id_columns\[1\]: environment variable NOPE is not set/ },
  { name: 'an empty value through ${VAR}', yaml: 'models:\n  - { name: a, baseline: "${EMPTY}", window: w }\n', message: /models\[0\]\.baseline: Too small: expected string to have >=1 characters \(found ""\)/, env: { EMPTY: '' } },
];
