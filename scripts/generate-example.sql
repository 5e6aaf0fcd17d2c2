-- Deterministic example data for drift-exporter: a credit-risk model's
-- training baseline and a week of logged predictions with real drift.
-- Run with: node scripts/generate-example.mjs   (single-threaded, seeded)
SET threads = 1;
SELECT setseed(0.42);

CREATE TABLE base AS
SELECT
  i AS request_id,
  random() AS u1, random() AS u2, random() AS u3, random() AS u4, random() AS u5, random() AS u6
FROM range(5000) t(i);

CREATE TABLE train AS
SELECT
  request_id,
  CAST(greatest(18, least(90, round(41 + 12 * sqrt(-2 * ln(u1)) * cos(2 * pi() * u2)))) AS INTEGER) AS age,
  round(exp(10.8 + 0.45 * sqrt(-2 * ln(u2)) * cos(2 * pi() * u3)), 2) AS income,
  round(greatest(300, least(850, 680 + 60 * sqrt(-2 * ln(u3)) * sin(2 * pi() * u1))), 0) AS credit_score,
  round(exp(9.2 + 0.6 * sqrt(-2 * ln(u4)) * cos(2 * pi() * u5)), 2) AS loan_amount,
  round(greatest(0, 0.32 + 0.12 * sqrt(-2 * ln(u5)) * sin(2 * pi() * u4)), 4) AS debt_to_income,
  CASE WHEN u6 < 0.62 THEN 'salaried' WHEN u6 < 0.84 THEN 'self_employed' WHEN u6 < 0.95 THEN 'contractor' ELSE 'unemployed' END AS employment_type,
  ['north', 'south', 'east', 'west', 'central'][1 + CAST(floor(u1 * 5) AS INTEGER)] AS region,
  CASE WHEN u4 < 0.55 THEN 'web' WHEN u4 < 0.9 THEN 'mobile' ELSE 'branch' END AS channel
FROM base;

ALTER TABLE train ADD COLUMN default_probability DOUBLE;
UPDATE train SET default_probability = round(1 / (1 + exp(-(-2.2 + 0.9 * debt_to_income * 3 - (credit_score - 680) / 80 - (ln(income) - 10.8)))), 5);

COPY (SELECT * FROM train ORDER BY request_id) TO 'baselines/credit-risk/train.parquet' (FORMAT parquet);

-- Seven days of logged predictions ending 2026-11-01. Drift: incomes rise
-- about 25%, a new 'partner_api' channel appears, debt_to_income goes
-- missing for 15% of requests (an upstream join broke), and the predicted
-- default probability shifts with them. age, credit_score, region stay put.
CREATE TABLE logs AS
SELECT
  100000 + i AS request_id,
  TIMESTAMPTZ '2026-10-25 00:00:00+00' + to_seconds(CAST(i * 7 * 86400 / 3000 AS BIGINT)) AS event_time,
  random() AS u1, random() AS u2, random() AS u3, random() AS u4, random() AS u5, random() AS u6, random() AS u7
FROM range(3000) t(i);

CREATE TABLE predictions AS
SELECT
  request_id,
  event_time,
  CAST(greatest(18, least(90, round(41 + 12 * sqrt(-2 * ln(u1)) * cos(2 * pi() * u2)))) AS INTEGER) AS age,
  round(exp(11.03 + 0.45 * sqrt(-2 * ln(u2)) * cos(2 * pi() * u3)), 2) AS income,
  round(greatest(300, least(850, 680 + 60 * sqrt(-2 * ln(u3)) * sin(2 * pi() * u1))), 0) AS credit_score,
  round(exp(9.25 + 0.6 * sqrt(-2 * ln(u4)) * cos(2 * pi() * u5)), 2) AS loan_amount,
  CASE WHEN u7 < 0.15 THEN NULL ELSE round(greatest(0, 0.32 + 0.12 * sqrt(-2 * ln(u5)) * sin(2 * pi() * u4)), 4) END AS debt_to_income,
  CASE WHEN u6 < 0.62 THEN 'salaried' WHEN u6 < 0.84 THEN 'self_employed' WHEN u6 < 0.95 THEN 'contractor' ELSE 'unemployed' END AS employment_type,
  ['north', 'south', 'east', 'west', 'central'][1 + CAST(floor(u1 * 5) AS INTEGER)] AS region,
  CASE WHEN u4 < 0.40 THEN 'web' WHEN u4 < 0.70 THEN 'mobile' WHEN u4 < 0.78 THEN 'branch' ELSE 'partner_api' END AS channel
FROM logs;

ALTER TABLE predictions ADD COLUMN default_probability DOUBLE;
UPDATE predictions SET default_probability = round(1 / (1 + exp(-(-2.2 + 0.9 * coalesce(debt_to_income, 0.32) * 3 - (credit_score - 680) / 80 - (ln(income) - 10.8)))), 5);

-- Hive-partitioned by day, as a logging pipeline would write it.
COPY (SELECT *, strftime(event_time, '%Y-%m-%d') AS date FROM predictions ORDER BY request_id)
  TO 'examples/predictions/credit-risk' (FORMAT parquet, PARTITION_BY (date), OVERWRITE_OR_IGNORE);
