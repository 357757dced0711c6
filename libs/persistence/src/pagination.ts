import { Brackets, ObjectLiteral, SelectQueryBuilder } from 'typeorm';

export type Ordering = 'ascending' | 'descending';

export interface PageRequest {
  limit: number;
  /** Opaque to clients: the last key of a page to go on after it, or `-` + the first key to go back before it. */
  iterator?: string;
  order: Ordering;
}

export interface Page<T> {
  items: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

/**
 * Keyset pagination over a unique, sortable column (time-sortable ids, or names). Each page costs one
 * indexed query however deep it is, and items created meanwhile never shift a page.
 */
export async function paginate<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  keyColumn: string,
  keyOf: (item: T) => string,
  { limit, iterator, order }: PageRequest,
): Promise<Page<T>> {
  const backwards = iterator?.startsWith('-') ?? false;
  const cursor = backwards ? iterator!.slice(1) : iterator;
  const ascending = (order === 'ascending') !== backwards;
  if (cursor) query.andWhere(new Brackets((where) => where.where(`${keyColumn} ${ascending ? '>' : '<'} :cursor`, { cursor })));
  const rows = await query
    .orderBy(keyColumn, ascending ? 'ASC' : 'DESC')
    .take(limit + 1)
    .getMany();
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  if (backwards) items.reverse();
  const first = items[0];
  const last = items[items.length - 1];
  return {
    items,
    iterator: last ? keyOf(last) : (cursor ?? null),
    prevIterator: first ? `-${keyOf(first)}` : null,
    done: backwards ? false : !more,
  };
}
