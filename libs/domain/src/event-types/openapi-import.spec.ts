import { InvalidInputError } from '../errors';
import { eventTypesFromOpenApi, parseSpecText } from './openapi-import';

const LOC = ['body', 'spec'];

function refusal(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected an InvalidInputError');
}

const withSchema = (schema: unknown, components: Record<string, unknown> = {}) => ({
  openapi: '3.1.0',
  webhooks: { 'a.b': { post: { requestBody: { content: { 'application/json': { schema } } } } } },
  components,
});

describe('event types from an OpenAPI document', () => {
  it('follows chains of refs, pointer escapes, and refs to path items, request bodies and examples', () => {
    const spec = {
      openapi: '3.1.0',
      webhooks: { 'user.created': { $ref: '#/components/pathItems/UserCreated' } },
      components: {
        pathItems: { UserCreated: { post: { summary: 'A user', requestBody: { $ref: '#/components/requestBodies/User' } } } },
        requestBodies: {
          User: {
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/Alias' }, examples: { one: { $ref: '#/components/examples/One' } } },
            },
          },
        },
        schemas: { Alias: { $ref: '#/components/schemas/a~1b~0c' }, 'a/b~c': { type: 'object', properties: { id: { type: 'string' } } } },
        examples: { One: { value: { id: 'u_1' } } },
      },
    };
    expect(eventTypesFromOpenApi(spec, LOC, 64)).toEqual([
      {
        name: 'user.created',
        description: 'A user',
        schemas: { '1': { type: 'object', properties: { id: { type: 'string' } }, examples: [{ id: 'u_1' }] } },
        deprecated: false,
        groupName: null,
        featureFlags: null,
      },
    ]);
  });

  it('keeps the siblings of a $ref over what it points at, and a schema without a body is none', () => {
    const [typed] = eventTypesFromOpenApi(
      withSchema({ $ref: '#/components/schemas/S', description: 'mine' }, { schemas: { S: { type: 'object', description: 'theirs' } } }),
      LOC,
      64,
    );
    expect(typed.schemas).toEqual({ '1': { type: 'object', description: 'mine' } });
    const [bare] = eventTypesFromOpenApi({ openapi: '3.0.0', 'x-webhooks': { 'c.d': { post: {} } } }, LOC, 64);
    expect(bare).toMatchObject({ name: 'c.d', description: '', schemas: null });
  });

  it('reuses a schema referenced twice, but refuses one that refers to itself through another', () => {
    const twice = withSchema(
      { type: 'object', properties: { a: { $ref: '#/components/schemas/S' }, b: { $ref: '#/components/schemas/S' } } },
      { schemas: { S: { type: 'string' } } },
    );
    expect(eventTypesFromOpenApi(twice, LOC, 64)[0].schemas).toEqual({ '1': { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } } });
    const mutual = withSchema(
      { $ref: '#/components/schemas/A' },
      { schemas: { A: { properties: { b: { $ref: '#/components/schemas/B' } } }, B: { properties: { a: { $ref: '#/components/schemas/A' } } } } },
    );
    expect(refusal(() => eventTypesFromOpenApi(mutual, LOC, 64)).message).toContain('refers to itself');
  });

  it('refuses a schema deeper than the depth bound once resolved, and a malformed pointer, with a 422 rather than a crash', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 10; i++) deep = { type: 'object', properties: { x: deep } };
    expect(refusal(() => eventTypesFromOpenApi(withSchema(deep), LOC, 8)).message).toContain('HERALD_MAX_JSON_DEPTH');
    expect(refusal(() => eventTypesFromOpenApi(withSchema({ $ref: '#/components/%E0%A4%A' }), LOC, 64)).message).toContain('not a valid JSON pointer');
  });

  it('reads YAML and JSON text, and refuses alias bombs and text nested past the bound', () => {
    expect(parseSpecText('{"openapi": "3.1.0"}', ['body', 'specRaw'], 64)).toEqual({ openapi: '3.1.0' });
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from({ length: 8 }, (_, i) => `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
    ].join('\n');
    expect(refusal(() => parseSpecText(bomb, ['body', 'specRaw'], 64)).loc).toEqual(['body', 'specRaw']);
    expect(refusal(() => parseSpecText(`${'['.repeat(100)}${']'.repeat(100)}`, ['body', 'specRaw'], 64)).message).toContain('deeper than 64');
  });
});
