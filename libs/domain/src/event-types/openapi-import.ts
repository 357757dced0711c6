import { parse } from 'yaml';
import { InvalidInputError } from '../errors';

/** An event type as an OpenAPI document describes it (Svix's EventTypeFromOpenApi). */
export interface EventTypeFromOpenApi {
  name: string;
  description: string;
  schemas: Record<string, unknown> | null;
  deprecated: boolean;
  groupName: string | null;
  featureFlags: string[] | null;
}

type Loc = (string | number)[];
type Json = Record<string, unknown>;

const NAME = /^[a-zA-Z0-9\-_.]{1,256}$/;
const METHODS = ['post', 'put', 'patch', 'get', 'delete', 'options', 'head', 'trace'];
/** A schema whose $refs expand past this is refused rather than built: refs can multiply a small document. */
const MAX_RESOLVED_NODES = 100_000;

/**
 * The spec from `specRaw` (YAML or JSON, YAML being a superset). Aliases are bounded by the parser; any
 * parse failure, however deep, is a 422 at `loc`.
 */
export function parseSpecText(text: string, loc: Loc, maxDepth: number): unknown {
  let spec: unknown;
  try {
    spec = parse(text, { maxAliasCount: 100, uniqueKeys: false });
  } catch (error) {
    throw new InvalidInputError(loc, `is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (depthOf(spec, maxDepth + 1) > maxDepth) throw new InvalidInputError(loc, `nests deeper than ${maxDepth} levels`);
  return spec;
}

/**
 * The event types of an OpenAPI 3 document's `webhooks` (3.1) or `x-webhooks` (3.0): one per webhook,
 * named by its key (or, when the key is no valid event type name, its operation's operationId), described
 * by the operation's description or summary, with the application/json request body's schema as version
 * "1" ($refs resolved within the document; the media type's examples become the schema's `examples`, which
 * send-example sends). `x-svix-group-name` and `x-svix-feature-flags` are read as Svix reads them.
 */
export function eventTypesFromOpenApi(spec: unknown, loc: Loc, maxDepth: number): EventTypeFromOpenApi[] {
  if (!isObject(spec)) throw new InvalidInputError(loc, 'must be an OpenAPI document (a JSON object)');
  if (typeof spec.openapi !== 'string' || !spec.openapi.startsWith('3.'))
    throw new InvalidInputError([...loc, 'openapi'], 'must be an OpenAPI 3 version string, such as "3.1.0"');
  const key = isObject(spec.webhooks) ? 'webhooks' : isObject(spec['x-webhooks']) ? 'x-webhooks' : undefined;
  if (!key) throw new InvalidInputError([...loc, 'webhooks'], 'the document has no webhooks (nor x-webhooks) to import event types from');
  const resolver = new RefResolver(spec, maxDepth);
  const seen = new Set<string>();
  return Object.entries(spec[key] as Json).map(([webhook, item]) => {
    const at = [...loc, key, webhook];
    const pathItem = resolver.follow(item, at);
    const method = METHODS.find((name) => isObject(pathItem[name]));
    if (!method) throw new InvalidInputError(at, 'has no operation (post, put…)');
    const operation = pathItem[method] as Json;
    const name = NAME.test(webhook)
      ? webhook
      : typeof operation.operationId === 'string' && NAME.test(operation.operationId)
        ? operation.operationId
        : undefined;
    if (!name) throw new InvalidInputError(at, 'neither the key nor its operationId is a valid event type name (letters, digits, -, _ and ., at most 256)');
    if (seen.has(name)) throw new InvalidInputError(at, `names event type "${name}" a second time`);
    seen.add(name);
    const schema = requestSchema(resolver, operation, [...at, method]);
    return {
      name,
      description: text(operation.description) ?? text(operation.summary) ?? '',
      schemas: schema ? { '1': schema } : null,
      deprecated: operation.deprecated === true,
      groupName: stringOrNull(operation['x-svix-group-name'], [...at, method, 'x-svix-group-name']),
      featureFlags: featureFlags(operation, [...at, method]),
    };
  });
}

function requestSchema(resolver: RefResolver, operation: Json, at: Loc): Json | null {
  if (operation.requestBody === undefined) return null;
  const body = resolver.follow(operation.requestBody, [...at, 'requestBody']);
  const content = isObject(body.content) ? body.content : {};
  const media = content['application/json'];
  if (!isObject(media) || media.schema === undefined) return null;
  const schema = resolver.resolve(media.schema, [...at, 'requestBody', 'content', 'application/json', 'schema']);
  if (!isObject(schema)) throw new InvalidInputError([...at, 'requestBody', 'content', 'application/json', 'schema'], 'must be a JSON schema object');
  const named = isObject(media.examples) ? Object.entries(media.examples) : [];
  const examples =
    media.example !== undefined ? [media.example] : named.map(([key, example]) => resolver.follow(example, [...at, 'requestBody', 'examples', key]).value);
  const usable = examples.filter((example) => example !== undefined).map((example) => resolver.resolve(example, [...at, 'requestBody']));
  return usable.length && schema.examples === undefined ? { ...schema, examples: usable } : schema;
}

function featureFlags(operation: Json, at: Loc): string[] | null {
  const flags = operation['x-svix-feature-flags'] ?? (operation['x-svix-feature-flag'] !== undefined ? [operation['x-svix-feature-flag']] : undefined);
  if (flags === undefined || flags === null) return null;
  if (!Array.isArray(flags) || flags.length > 20 || !flags.every((flag) => typeof flag === 'string' && NAME.test(flag)))
    throw new InvalidInputError([...at, 'x-svix-feature-flags'], 'must be a list of at most 20 names (letters, digits, -, _ and .)');
  return flags as string[];
}

function stringOrNull(value: unknown, at: Loc): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !NAME.test(value)) throw new InvalidInputError(at, 'must be a name (letters, digits, -, _ and ., at most 256)');
  return value;
}

/** Local $refs (`#/components/…`) replaced by what they point at; external, dangling or circular ones are a 422 naming where. */
class RefResolver {
  private nodes = 0;

  constructor(
    private readonly document: Json,
    private readonly maxDepth: number,
  ) {}

  /** An object that may be a $ref to one (a path item, a request body). */
  follow(value: unknown, at: Loc): Json {
    const target = this.target(value, at, new Set());
    if (!isObject(target)) throw new InvalidInputError(at, 'must be an object');
    return target;
  }

  resolve(value: unknown, at: Loc, path = new Set<string>(), depth = 0): unknown {
    if (++this.nodes > MAX_RESOLVED_NODES || depth > this.maxDepth)
      throw new InvalidInputError(
        at,
        `expands past ${MAX_RESOLVED_NODES} nodes or ${this.maxDepth} levels (HERALD_MAX_JSON_DEPTH) once its $refs are resolved`,
      );
    if (Array.isArray(value)) return value.map((item, i) => this.resolve(item, [...at, i], path, depth + 1));
    if (!isObject(value)) return value;
    if (typeof value.$ref === 'string') {
      const ref = value.$ref;
      if (path.has(ref)) throw new InvalidInputError(at, `$ref "${ref}" refers to itself (a recursive schema), which an event type's schema cannot hold`);
      const { $ref: _ref, ...siblings } = value;
      const target = this.resolve(this.target(value, at, path), at, new Set([...path, ref]), depth + 1);
      return isObject(target) && Object.keys(siblings).length ? { ...target, ...(this.resolve(siblings, at, path, depth + 1) as Json) } : target;
    }
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.resolve(item, [...at, key], path, depth + 1)]));
  }

  /** What a $ref points at (followed through chains of refs); the value itself when it is no $ref. */
  private target(value: unknown, at: Loc, path: Set<string>): unknown {
    const chain = new Set(path);
    while (isObject(value) && typeof value.$ref === 'string') {
      const ref = value.$ref;
      if (!ref.startsWith('#/')) throw new InvalidInputError(at, `$ref "${ref}" is not within the document (only "#/…" refs are resolved)`);
      if (chain.has(ref)) throw new InvalidInputError(at, `$ref "${ref}" refers to itself`);
      chain.add(ref);
      value = ref
        .slice(2)
        .split('/')
        .map((part) => pointerPart(part, ref, at))
        .reduce<unknown>(
          (node, part) => (isObject(node) && Object.hasOwn(node, part) ? node[part] : Array.isArray(node) ? node[Number(part)] : undefined),
          this.document,
        );
      if (value === undefined) throw new InvalidInputError(at, `$ref "${ref}" points at nothing in the document`);
    }
    return value;
  }
}

/** One JSON pointer segment of a $ref, unescaped (URI-encoded, then ~1 and ~0). */
function pointerPart(part: string, ref: string, at: Loc): string {
  try {
    return decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
  } catch {
    throw new InvalidInputError(at, `$ref "${ref}" is not a valid JSON pointer`);
  }
}

function depthOf(value: unknown, limit: number, depth = 0): number {
  if (depth >= limit || typeof value !== 'object' || value === null) return depth;
  let deepest = depth;
  for (const item of Object.values(value)) deepest = Math.max(deepest, depthOf(item, limit, depth + 1));
  return deepest;
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown) => (typeof value === 'string' && value.length ? value.slice(0, 4_096) : undefined);
