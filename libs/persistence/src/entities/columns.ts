import { Column, ColumnOptions, ValueTransformer } from 'typeorm';

/**
 * Timestamps are stored as epoch milliseconds in a bigint column: one representation that sorts, compares
 * and round-trips the same on SQLite and PostgreSQL (pg returns bigint as a string, hence Number()).
 */
const epochMs: ValueTransformer = {
  to: (value?: Date | null) => (value == null ? value : value.getTime()),
  from: (value?: string | number | null) => (value == null ? null : new Date(Number(value))),
};

export const TimestampColumn = (options: ColumnOptions = {}) => Column({ type: 'bigint', transformer: epochMs, ...options });

/** JSON stored as text, the same on both databases. */
export const JsonColumn = (options: ColumnOptions = {}) => Column({ type: 'simple-json', ...options });
