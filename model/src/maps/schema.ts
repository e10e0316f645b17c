import { z } from 'zod';

/** Registers per element for fixed-size types (SunSpec / Modbus convention). */
export const TYPE_WORDS: Record<string, number> = {
  int16: 1,
  uint16: 1,
  acc16: 1,
  enum16: 1,
  bitfield16: 1,
  sunssf: 1,
  int32: 2,
  uint32: 2,
  float32: 2,
  acc32: 2,
  bitfield32: 2,
  int64: 4,
  uint64: 4,
  acc64: 4,
};

/**
 * SunSpec "not implemented" values per type (SunSpec Information Model Reference, "Unimplemented
 * registers": int16/sunssf 0x8000, uint16/enum16/bitfield16 0xFFFF, acc 0, int32 0x80000000,
 * uint32/bitfield32 0xFFFFFFFF, int64 0x8000000000000000, uint64 0xFFFFFFFFFFFFFFFF, float32 NaN).
 * Values are raw register contents as unsigned numbers; float32 uses NaN detection instead.
 */
export const SUNSPEC_SENTINELS: Record<string, number | null> = {
  int16: 0x8000,
  sunssf: 0x8000,
  uint16: 0xffff,
  enum16: 0xffff,
  bitfield16: 0xffff,
  acc16: 0,
  int32: 0x80000000,
  uint32: 0xffffffff,
  bitfield32: 0xffffffff,
  acc32: 0,
  int64: Number(0x8000000000000000n),
  uint64: Number(0xffffffffffffffffn),
  acc64: 0,
  float32: null,
  string: null,
};

const camel = /^[a-z][A-Za-z0-9]*$/;

const bitSchema = z.object({
  bit: z.number().int().min(0).max(31),
  name: z.string().regex(camel, 'bit names are camelCase'),
  expected: z.union([z.literal(0), z.literal(1)]).optional(),
  severity: z.enum(['OK', 'INFO', 'WARNING', 'ALARM']).default('WARNING'),
  description: z.string().optional(),
});

const pointTypes = [
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'float32',
  'acc16',
  'acc32',
  'acc64',
  'enum16',
  'bitfield16',
  'bitfield32',
  'sunssf',
  'string',
] as const;

/** A point as written in a map file (before defaults from the map). */
export const rawPointSchema = z
  .object({
    name: z.string().min(1),
    metric: z.string().regex(camel, 'metric names are camelCase').optional(),
    label: z.string().optional(),
    fn: z.enum(['holding', 'input']).optional(),
    address: z.number().int().min(0).max(65535),
    type: z.enum(pointTypes),
    words: z.number().int().min(1).max(125).optional(),
    count: z.number().int().min(1).max(4096).default(1),
    order: z.enum(['ABCD', 'CDAB', 'BADC', 'DCBA']).optional(),
    scale: z.number().finite().default(1),
    sf: z.string().optional(),
    sign: z.union([z.literal(1), z.literal(-1)]).default(1),
    unit: z.string().default(''),
    sentinel: z.union([z.number().int().min(0), z.null(), z.literal('sunspec')]).optional(),
    group: z.string().optional(),
    kind: z.enum(['measurement', 'array', 'attribute', 'scaleFactor']).optional(),
    bits: z.array(bitSchema).optional(),
    enum: z.record(z.string().regex(/^\d+$/), z.string()).optional(),
    value: z.number().int().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .strict();

/** A map file. */
export const rawMapSchema = z
  .object({
    title: z.string().min(1),
    vendor: z.string().optional(),
    derivedFrom: z.array(z.string()).default([]),
    profiles: z.array(z.string()).default([]),
    /** Defaults for points that do not say otherwise. */
    defaults: z
      .object({
        fn: z.enum(['holding', 'input']).default('holding'),
        order: z.enum(['ABCD', 'CDAB', 'BADC', 'DCBA']).default('ABCD'),
        sentinels: z.enum(['sunspec', 'none']).default('none'),
        group: z.string().optional(),
      })
      .strict()
      .default({ fn: 'holding', order: 'ABCD', sentinels: 'none' }),
    groups: z.record(z.string(), z.object({ intervalMs: z.number().int().min(100).max(86_400_000) }).strict()),
    points: z.array(rawPointSchema).min(1),
  })
  .strict();

export type RawMap = z.infer<typeof rawMapSchema>;
export type RawPoint = z.infer<typeof rawPointSchema>;
