import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeFile } from '../../src/core/native.js';

const NATIVE = path.resolve(import.meta.dirname, '../../native');

describe('nativeFile', () => {
  it("finds the build's native files in one directory, and nothing for a name that is not there", () => {
    expect(nativeFile('runj-helper')).toBe(path.join(NATIVE, 'runj-helper'));
    expect(nativeFile('runj-sys.node')).toBe(path.join(NATIVE, 'runj-sys.node'));
    expect(nativeFile('no-such-file')).toBeUndefined();
    // A miss does not forget the directory found before.
    expect(nativeFile('runj-helper')).toBe(path.join(NATIVE, 'runj-helper'));
  });
});
