import { DataSource } from 'typeorm';
import { ApplicationService, EndpointService, MessageIntake } from '@herald/domain';
import { DeliveryRepository, DeliveryStatus, MessageAttempt, MessageRepository } from '@herald/persistence';
import { startTestHerald, TestHerald } from '../support/herald';

/**
 * Statements that name their rows by id must find them by id, whatever else their WHERE says. Without
 * statistics, SQLite's planner prefers an equality on another indexed column (`status = ?`, `app_id = ?`) to
 * an `id IN (…)` list, and so reads every pending delivery, or every message of an application, to update or
 * fetch a handful: in the sustained bench each parked attempt's UPDATE took 400 ms at 370,000 pending
 * deliveries and the main thread spent 72 % of its time there. The planner weighs an IN list by its length
 * (two ids still went by primary key, three did not); plans do not depend on the data, so an empty database
 * and lists of ten show them.
 */
/** The little of better-sqlite3 (which ships no types) this test uses. */
interface SqliteConnection {
  prepare(sql: string): { all(...parameters: unknown[]): { detail: string }[] };
}

describe('query plans on SQLite', () => {
  let herald: TestHerald;
  const get = <T>(token: unknown) => herald.app.get<T>(token as never, { strict: false });

  beforeAll(async () => {
    herald = await startTestHerald({ database: 'sqlite' });
  });
  afterAll(() => herald?.close());

  /** The statements better-sqlite3 runs while `work` runs (TypeORM caches prepared ones, so run, not prepare). */
  async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
    const ran: string[] = [];
    const statement = Object.getPrototypeOf(connection().prepare('SELECT 1')) as Record<string, (...args: unknown[]) => unknown>;
    const originals = Object.fromEntries(['run', 'all', 'get', 'iterate'].map((method) => [method, statement[method]]));
    for (const [method, original] of Object.entries(originals))
      statement[method] = function (this: { source: string }, ...args: unknown[]) {
        ran.push(this.source);
        return original.apply(this, args);
      };
    try {
      await work();
    } finally {
      Object.assign(statement, originals);
    }
    return ran;
  }

  const connection = () => (get<DataSource>(DataSource).driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection;

  /** SQLite's plan for `sql`, one line per step. */
  function planOf(sql: string): string[] {
    const parameters = (sql.match(/\?/g) ?? []).map(() => 'x');
    return connection()
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...parameters)
      .map((step) => step.detail);
  }

  /** Every statement on `table` that lists ids searches it by primary key, at every step of its plan. */
  function expectFoundById(statements: string[], table: string) {
    const byIds = [...new Set(statements)].filter((sql) => new RegExp(`\\b${table}\\b`).test(sql) && /\bid"? IN \(/.test(sql));
    expect(byIds.length).toBeGreaterThan(0);
    for (const sql of byIds) {
      const steps = planOf(sql);
      expect(steps.length).toBeGreaterThan(0);
      expect({ sql, steps }).toEqual({
        sql,
        steps: steps.map(() => expect.stringMatching(/USING (COVERING )?(INDEX sqlite_autoindex_\w+_1|PRIMARY KEY) \(id=\?\)/)),
      });
    }
  }

  const tenIds = (prefix: string) => Array.from({ length: 10 }, (_, i) => `${prefix}_${i}`);

  async function oneDelivery() {
    const app = (await get<ApplicationService>(ApplicationService).create({ name: 'plans' })).application;
    await get<EndpointService>(EndpointService).create(app.id, { url: 'https://example.com/plans', disabled: true });
    const message = await get<MessageIntake>(MessageIntake).accept(app.id, { eventType: 'plans', payload: {} });
    return { appId: app.id, messageId: message.id };
  }

  it('postpones parked deliveries found by id, not by status', async () => {
    const { messageId } = await oneDelivery();
    const delivery = await get<DataSource>(DataSource).query('SELECT id FROM deliveries WHERE message_id = ?', [messageId]);
    const deliveries = get<DeliveryRepository>(DeliveryRepository);
    const ids = [delivery[0]?.id ?? 'dlv_missing', ...tenIds('dlv')];
    expectFoundById(await statementsOf(() => deliveries.postpone(ids.map((id) => ({ id, nextAttemptAt: new Date(Date.now() + 60_000) })))), 'deliveries');
  });

  it('records attempts on deliveries found by id', async () => {
    const deliveries = get<DeliveryRepository>(DeliveryRepository);
    const records = tenIds('dlv').map((deliveryId) => ({
      deliveryId,
      attempt: 1,
      status: DeliveryStatus.Pending,
      nextAttemptAt: null,
      row: new MessageAttempt(),
    }));
    const statements = await statementsOf(async () => expect(await deliveries.recordAttempts(records)).toEqual(records.map(() => false)));
    expectFoundById(statements, 'deliveries');
  });

  it("reads an application's messages by id, not by application", async () => {
    const { appId, messageId } = await oneDelivery();
    const messages = get<MessageRepository>(MessageRepository);
    const statements = await statementsOf(async () => {
      expect((await messages.findMany(appId, [messageId, ...tenIds('msg')])).map((message) => message.id)).toEqual([messageId]);
      expect(await messages.findMany('app_other', [messageId, ...tenIds('msg')])).toEqual([]);
      await messages.expungePayloads(appId, [messageId, ...tenIds('msg')]);
    });
    expectFoundById(statements, 'messages');
  });
});
