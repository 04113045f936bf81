import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown } from './markdown';

describe('the consent Markdown reader', () => {
  it('reads headings, paragraphs joined across lines, and lists', () => {
    const blocks = parseMarkdown('# Title\n\nFirst line\nsecond line.\n\n## Data\n- one\n- two\n  continued\n\n1. a\n2. b\n');
    expect(blocks).toEqual([
      { kind: 'heading', level: 1, content: [{ text: 'Title', strong: false }] },
      { kind: 'paragraph', content: [{ text: 'First line second line.', strong: false }] },
      { kind: 'heading', level: 2, content: [{ text: 'Data', strong: false }] },
      { kind: 'list', ordered: false, items: [[{ text: 'one', strong: false }], [{ text: 'two continued', strong: false }]] },
      { kind: 'list', ordered: true, items: [[{ text: 'a', strong: false }], [{ text: 'b', strong: false }]] },
    ]);
  });

  it('marks **bold** runs and leaves an unpaired marker as text', () => {
    expect(parseInline('is **not recorded** unless')).toEqual([
      { text: 'is ', strong: false },
      { text: 'not recorded', strong: true },
      { text: ' unless', strong: false },
    ]);
    expect(parseInline('a ** b')).toEqual([{ text: 'a ** b', strong: false }]);
  });

  it('keeps markup-looking text as plain text for the renderer to escape', () => {
    const [block] = parseMarkdown('<img src=x onerror=alert(1)>');
    expect(block).toEqual({ kind: 'paragraph', content: [{ text: '<img src=x onerror=alert(1)>', strong: false }] });
  });

  it('reads Windows line endings like Unix ones', () => {
    expect(parseMarkdown('# A\r\ntext\r\n')).toHaveLength(2);
  });
});
