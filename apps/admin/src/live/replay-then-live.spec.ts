import type { LiveEvent } from '@herald/contract';
import { ReplayThenLive } from './replay-then-live';

const event = (id: string, appId = 'app_1'): LiveEvent => ({
  id,
  type: 'endpoint',
  data: { appId, endpointId: 'ep_1', state: 'open', reason: null, timestamp: 't' },
});
const ids = (written: LiveEvent[][]) => written.flat().map((e) => e.id);

describe('ReplayThenLive', () => {
  it('holds live events during the replay, then sends only those newer than the replay, each once', () => {
    const written: LiveEvent[][] = [];
    const merge = new ReplayThenLive(
      () => true,
      (events) => written.push(events),
      '1-0',
    );
    merge.live([event('3-0'), event('4-0')]); // arrived while replaying
    merge.replayed([event('2-0'), event('3-0')]);
    expect(ids(written)).toEqual(['2-0', '3-0']);
    merge.goLive();
    merge.live([event('4-0'), event('5-0')]); // 4-0 again, as the reader may deliver a batch twice around a reconnect
    expect(ids(written)).toEqual(['2-0', '3-0', '4-0', '5-0']);
  });

  it('never repeats what the client had (Last-Event-ID) and keeps to its scope', () => {
    const written: LiveEvent[][] = [];
    const merge = new ReplayThenLive(
      (e) => e.data.appId === 'app_1',
      (events) => written.push(events),
      '5-0',
    );
    merge.goLive();
    merge.live([event('4-0'), event('5-0'), event('6-0', 'app_2'), event('7-0')]);
    expect(ids(written)).toEqual(['7-0']);
  });

  it('passes a batch that is wholly in scope on as it is, so every stream writes the same encoded bytes', () => {
    const written: LiveEvent[][] = [];
    const merge = new ReplayThenLive(
      () => true,
      (events) => written.push(events),
    );
    merge.goLive();
    const batch = [event('1-0'), event('2-0')];
    merge.live(batch);
    expect(written[0]).toBe(batch);
  });

  it('writes a live batch in one write when nothing overlaps', () => {
    const written: LiveEvent[][] = [];
    const merge = new ReplayThenLive(
      () => true,
      (events) => written.push(events),
    );
    merge.goLive();
    merge.live([event('1-0'), event('1-1'), event('2-0')]);
    expect(written).toHaveLength(1);
  });
});
