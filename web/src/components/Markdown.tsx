import { parseMarkdown, type Inline } from './markdown';

function Text({ content }: { content: Inline[] }) {
  return <>{content.map((part, i) => (part.strong ? <strong key={i}>{part.text}</strong> : part.text))}</>;
}

/** Renders trusted-shape Markdown as elements; text is never parsed as HTML. */
export function Markdown({ source, headingOffset = 1 }: { source: string; headingOffset?: number }) {
  return (
    <div class="markdown">
      {parseMarkdown(source).map((block, i) => {
        if (block.kind === 'heading') {
          const level = Math.min(block.level + headingOffset, 6);
          const Tag = `h${level}` as 'h2';
          return <Tag key={i}><Text content={block.content} /></Tag>;
        }
        if (block.kind === 'list') {
          const Tag = block.ordered ? 'ol' : 'ul';
          return (
            <Tag key={i}>
              {block.items.map((item, j) => <li key={j}><Text content={item} /></li>)}
            </Tag>
          );
        }
        return <p key={i}><Text content={block.content} /></p>;
      })}
    </div>
  );
}
