/**
 * Compile-time check of the shipped dashboard against @grafana/schema's
 * Dashboard type: `tsc` (npm run build) fails when a field has the wrong
 * shape or a key the schema does not know. Nothing here runs.
 *
 * A JSON import widens every string to `string`, so enum-typed fields
 * (ThresholdsMode, MappingType, VariableType...) are compared as strings
 * here; dashboard.test.ts checks their values at run time.
 */
import type { Dashboard } from '@grafana/schema';
import type shipped from '../../grafana/dashboards/drift-exporter.json';

/** The schema with string enums and literal unions widened to what a JSON import can hold. */
type Widen<T> = T extends string
  ? string
  : T extends number
    ? number
    : T extends boolean
      ? boolean
      : T extends readonly (infer E)[]
        ? Widen<E>[]
        : T extends object
          ? { [K in keyof T]: Widen<T[K]> }
          : T;

type Keys<T> = T extends unknown ? keyof T : never;
type At<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T[K] : never) : never;

/**
 * The paths of keys in J that the schema S does not have, at any depth.
 * What the schema leaves open (unknown, any, Record<string, unknown>: options,
 * targets, override values) is not looked into.
 */
type Unknown<J, S, P extends string = ''> = unknown extends S
  ? never
  : J extends readonly (infer JE)[]
  ? NonNullable<S> extends readonly (infer SE)[]
    ? Unknown<JE, SE, `${P}[]`>
    : never
  : J extends object
    ? string extends Keys<NonNullable<S>>
      ? never
      : { [K in Keys<J> & string]: K extends Keys<NonNullable<S>> ? Unknown<At<J, K>, At<NonNullable<S>, K>, `${P}.${K}`> : `${P}.${K}` }[Keys<J> & string]
    : never;

type MustBeNever<T extends never> = T;

// Fails with the offending paths, e.g. Type '".panels[].gridpos"' does not satisfy the constraint 'never'.
export type NoUnknownKeys = MustBeNever<Unknown<typeof shipped, Dashboard>>;

// Fails when a field the schema knows has the wrong type or a required one is missing.
export const typed: Widen<Dashboard> = {} as typeof shipped;
