import { endpointAccepts } from './endpoint-filter';

describe('endpointAccepts', () => {
  const endpoint = { disabled: false, filterTypes: null, channels: null };
  const message = { eventType: 'invoice.paid', channels: null };

  it('accepts everything when the endpoint has no filters', () => {
    expect(endpointAccepts(endpoint, message)).toBe(true);
  });

  it('never accepts for a disabled endpoint', () => {
    expect(endpointAccepts({ ...endpoint, disabled: true }, message)).toBe(false);
  });

  it('filters by event type', () => {
    expect(endpointAccepts({ ...endpoint, filterTypes: ['invoice.paid', 'x'] }, message)).toBe(true);
    expect(endpointAccepts({ ...endpoint, filterTypes: ['invoice.failed'] }, message)).toBe(false);
  });

  it('needs one shared channel when the endpoint lists channels', () => {
    const onEu = { ...endpoint, channels: ['eu', 'vip'] };
    expect(endpointAccepts(onEu, { ...message, channels: ['us', 'vip'] })).toBe(true);
    expect(endpointAccepts(onEu, { ...message, channels: ['us'] })).toBe(false);
    expect(endpointAccepts(onEu, message)).toBe(false);
  });

  it('ignores message channels when the endpoint lists none', () => {
    expect(endpointAccepts(endpoint, { ...message, channels: ['eu'] })).toBe(true);
  });

  it('applies both filters together', () => {
    const strict = { ...endpoint, filterTypes: ['invoice.paid'], channels: ['eu'] };
    expect(endpointAccepts(strict, { eventType: 'invoice.paid', channels: ['eu'] })).toBe(true);
    expect(endpointAccepts(strict, { eventType: 'invoice.sent', channels: ['eu'] })).toBe(false);
  });
});
