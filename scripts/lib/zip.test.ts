import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { storedZip } from './zip.mjs';

describe('the launcher jar writer', () => {
  it('writes a zip that a standard reader opens with the manifest intact', () => {
    const manifest = 'Manifest-Version: 1.0\r\nMain-Class: a.B\r\n\r\n';
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'zip-')), 'x.jar');
    writeFileSync(file, storedZip([{ name: 'META-INF/MANIFEST.MF', data: Buffer.from(manifest) }]));
    const read = execFileSync('python3', ['-c',
      'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; sys.stdout.write(z.read("META-INF/MANIFEST.MF").decode())', file]);
    expect(read.toString()).toBe(manifest);
  });
});
