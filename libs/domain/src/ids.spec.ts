import { newId, timeSortableId } from './ids';

describe('ids', () => {
  it('are 26 Crockford base32 characters behind a Svix-style prefix', () => {
    expect(newId.message()).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(newId.application()).toMatch(/^app_/);
    expect(newId.endpoint()).toMatch(/^ep_/);
    expect(newId.attempt()).toMatch(/^atmpt_/);
  });

  it('sort by creation time across milliseconds', () => {
    const times = [0, 1, 31, 32, 1_000, Date.parse('2026-11-22T00:00:00Z'), Date.parse('2030-01-01T00:00:00Z')];
    const ids = times.map((t) => timeSortableId(t));
    expect([...ids].sort()).toEqual(ids);
  });

  it('keep their order within one millisecond', () => {
    const ids = Array.from({ length: 1_000 }, () => timeSortableId(1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1_000);
  });

  it('do not repeat', () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => newId.delivery()));
    expect(ids.size).toBe(20_000);
  });
});
