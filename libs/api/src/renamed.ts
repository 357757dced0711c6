import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

/** One field under several wire names, each with how its value reads under the field's own name. */
export interface Renamed {
  into: string;
  names: Record<string, (value: unknown) => unknown>;
}

const same = (value: unknown) => value;

/**
 * Svix's 2.x SDK renamed fields that 1.x clients still send under their old names: both are accepted,
 * the domain gets one field (`into`), and a request that gives both with different values is a 422, since
 * there is no telling which it meant. An unknown name never silently changes who receives a message.
 */
export function withRenames<Out>(schema: z.ZodObject, renames: Renamed[]): z.ZodType<Out> {
  const given = (value: Record<string, unknown>, { names }: Renamed) =>
    Object.entries(names)
      .filter(([name]) => value[name] !== undefined)
      .map(([name, read]) => [name, read(value[name])] as const);
  return schema
    .superRefine((value, ctx) => {
      for (const rename of renames) {
        const [first, second] = given(value, rename);
        if (second && !isDeepStrictEqual(first[1], second[1])) {
          ctx.addIssue({
            code: 'custom',
            path: [second[0]],
            message: `differs from ${first[0]}: they are one field under its old and new names; send one, or the same value under both`,
          });
        }
      }
    })
    .transform((value) => {
      const out: Record<string, unknown> = { ...value };
      for (const rename of renames) {
        const [first] = given(value, rename);
        for (const name of Object.keys(rename.names)) delete out[name];
        if (first) out[rename.into] = first[1];
      }
      return out as Out;
    }) as unknown as z.ZodType<Out>;
}

export const THROTTLE_RATE: Renamed = { into: 'throttleRate', names: { throttleRate: same, rateLimit: same } };
export const EVENT_TYPES: Renamed = { into: 'filterTypes', names: { eventTypes: same, filterTypes: same } };
export const FEATURE_FLAGS: Renamed = {
  into: 'featureFlags',
  names: { featureFlags: same, featureFlag: (flag) => (flag === null ? null : [flag]) },
};
