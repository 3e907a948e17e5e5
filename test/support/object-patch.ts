/**
 * PATCH bodies: JSON merge patch (RFC 7386) and JSON patch (RFC 6902) applied to a stored object.
 *
 * Contract: `applyPatch` never mutates its inputs; it returns a new document. The patch type comes
 * from the request's Content-Type: `application/merge-patch+json`, `application/json-patch+json`, and
 * `application/strategic-merge-patch+json`, which the fake treats as a merge patch (lists are
 * replaced, not merged by key). A JSON patch whose operation fails (missing path, failed `test`) is a
 * 422 Invalid; a patch body of the wrong shape is a 400 BadRequest; other types are a 415.
 */
import { jsonCopy } from './kube-object.js';
import { statusErrors } from './kube-status.js';

export type PatchType = 'merge' | 'json';

export function patchTypeOf(contentType: string | undefined): PatchType {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'application/merge-patch+json' || mediaType === 'application/strategic-merge-patch+json') return 'merge';
  if (mediaType === 'application/json-patch+json') return 'json';
  throw statusErrors.unsupportedMediaType(mediaType);
}

export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  return type === 'merge' ? mergePatch(jsonCopy(target), patch) : jsonPatch(jsonCopy(target), patch);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

interface Operation {
  readonly op: string;
  readonly path: string;
  readonly from?: string;
  readonly value?: unknown;
}

function isOperation(value: unknown): value is Operation {
  return isRecord(value) && typeof value.op === 'string' && typeof value.path === 'string'
    && (value.from === undefined || typeof value.from === 'string');
}

function jsonPatch(document: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch) || !patch.every(isOperation)) {
    throw statusErrors.badRequest('a JSON patch must be an array of operations with "op" and "path"');
  }
  let doc = document;
  for (const operation of patch) doc = applyOperation(doc, operation);
  return doc;
}

function applyOperation(doc: unknown, operation: Operation): unknown {
  switch (operation.op) {
    case 'add': return add(doc, parsePointer(operation.path), jsonCopy(operation.value));
    case 'remove': return remove(doc, parsePointer(operation.path));
    case 'replace': return add(remove(doc, parsePointer(operation.path)), parsePointer(operation.path), jsonCopy(operation.value));
    case 'move': {
      const from = parsePointer(requireFrom(operation));
      const value = read(doc, from);
      return add(remove(doc, from), parsePointer(operation.path), value);
    }
    case 'copy': return add(doc, parsePointer(operation.path), jsonCopy(read(doc, parsePointer(requireFrom(operation)))));
    case 'test':
      if (JSON.stringify(read(doc, parsePointer(operation.path))) !== JSON.stringify(operation.value)) {
        throw patchFailed(`test failed at ${operation.path}`);
      }
      return doc;
    default:
      throw statusErrors.badRequest(`unknown JSON patch operation "${operation.op}"`);
  }
}

function requireFrom(operation: Operation): string {
  if (operation.from === undefined) throw statusErrors.badRequest(`"${operation.op}" needs "from"`);
  return operation.from;
}

function patchFailed(message: string): Error {
  return statusErrors.invalid('patch', '', message);
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw statusErrors.badRequest(`invalid JSON pointer "${pointer}"`);
  return pointer.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function read(doc: unknown, path: readonly string[]): unknown {
  let current = doc;
  for (const segment of path) {
    if (Array.isArray(current)) current = current[arrayIndex(segment, current.length - 1)];
    else if (isRecord(current) && segment in current) current = current[segment];
    else throw patchFailed(`path /${path.join('/')} does not exist`);
  }
  return current;
}

function arrayIndex(segment: string, max: number): number {
  const index = /^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : -1;
  if (index < 0 || index > max) throw patchFailed(`array index "${segment}" out of range`);
  return index;
}

/** The container a path's last segment lives in, and that segment. Mutates only `doc`'s copy. */
function parentOf(doc: unknown, path: readonly string[]): { container: unknown; last: string } {
  const last = path[path.length - 1];
  if (last === undefined) throw patchFailed('the root cannot be a parent');
  return { container: read(doc, path.slice(0, -1)), last };
}

function add(doc: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const { container, last } = parentOf(doc, path);
  if (Array.isArray(container)) {
    container.splice(last === '-' ? container.length : arrayIndex(last, container.length), 0, value);
  } else if (isRecord(container)) {
    container[last] = value;
  } else {
    throw patchFailed(`cannot add at /${path.join('/')}`);
  }
  return doc;
}

function remove(doc: unknown, path: readonly string[]): unknown {
  if (path.length === 0) return undefined;
  const { container, last } = parentOf(doc, path);
  if (Array.isArray(container)) {
    container.splice(arrayIndex(last, container.length - 1), 1);
  } else if (isRecord(container) && last in container) {
    delete container[last];
  } else {
    throw patchFailed(`path /${path.join('/')} does not exist`);
  }
  return doc;
}
