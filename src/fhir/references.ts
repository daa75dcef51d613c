/** Walks every Reference.reference string in a resource (not into contained resources' own ids). */
export function forEachReference(node: unknown, fn: (ref: { reference: string }) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) forEachReference(item, fn);
  } else if (node !== null && typeof node === 'object') {
    const obj = node as Record<string, unknown>;
    if (typeof obj.reference === 'string') fn(obj as { reference: string });
    for (const key in obj) {
      const v = obj[key];
      if (v !== null && typeof v === 'object') forEachReference(v, fn);
    }
  }
}
