import { createServer, ServerResponse } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { SseConnection } from './sse-connection';

describe('SseConnection', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  /** A real HTTP response whose client connects and then never reads. */
  async function unreadResponse(): Promise<{ response: ServerResponse }> {
    let resolveResponse!: (response: ServerResponse) => void;
    const got = new Promise<ServerResponse>((resolve) => (resolveResponse = resolve));
    const server = createServer((_, response) => resolveResponse(response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.pause();
    const response = await got;
    cleanups.push(() => {
      socket.destroy();
      server.closeAllConnections();
      server.close();
    });
    return { response };
  }

  /** A connection on an unread response, and every chunk written to it. */
  async function recordedConnection() {
    const { response } = await unreadResponse();
    const written: (string | Buffer)[] = [];
    const write = response.write.bind(response);
    response.write = ((chunk: string | Buffer) => (written.push(chunk), write(chunk))) as typeof response.write;
    return { connection: new SseConnection(response, 1 << 20, () => undefined), written };
  }

  it('writes SSE frames with ids, events and comments', async () => {
    const { connection, written } = await recordedConnection();
    connection.send('delivery', { a: 1 }, '5-0');
    connection.comment('heartbeat');
    expect(written).toEqual(['id: 5-0\nevent: delivery\ndata: {"a":1}\n\n', ': heartbeat\n\n']);
  });

  it('writes a batch of live events in one write, serialised and encoded once for every stream', async () => {
    const { connection, written } = await recordedConnection();
    const data = { appId: 'app_1', endpointId: 'ep_1', state: 'open' as const, reason: null, timestamp: 't' };
    const events = [
      { id: '7-0', type: 'endpoint' as const, data },
      { id: '7-1', type: 'endpoint' as const, data },
    ];
    const stringify = jest.spyOn(JSON, 'stringify');
    connection.sendEvents(events);
    connection.sendEvents(events); // a second stream sending the same events
    expect(stringify).toHaveBeenCalledTimes(2);
    stringify.mockRestore();
    const frames = `id: 7-0\nevent: endpoint\ndata: ${JSON.stringify(data)}\n\nid: 7-1\nevent: endpoint\ndata: ${JSON.stringify(data)}\n\n`;
    expect(written.map(String)).toEqual([frames, frames]);
    expect(written[1]).toBe(written[0]); // the same bytes, not encoded again
  });

  it('cuts off a client that falls more than the buffer bound behind, instead of buffering without end', async () => {
    const { response } = await unreadResponse();
    let dropped = 0;
    const connection = new SseConnection(response, 64 * 1024, () => dropped++);
    const payload = { text: 'x'.repeat(16 * 1024) };
    let sent = 0;
    while (connection.isOpen && sent < 10_000) {
      connection.send('delivery', payload, `${sent}-0`);
      sent++;
    }
    expect(connection.isOpen).toBe(false);
    expect(dropped).toBe(1);
    expect(sent).toBeLessThan(10_000); // bounded long before the loop's limit
    expect(response.writableLength).toBeLessThanOrEqual(64 * 1024 + 20 * 1024);
  });
});
