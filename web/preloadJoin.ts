// A Vite build plugin: <link rel="modulepreload"> for what the patient's first screen needs
// (the Join screen, the Firebase chunk it shares with every screen, and the default-language
// consent text), so that they download beside the entry instead of after it has run. They are
// a few KB beyond what every visitor loads anyway (CSP forbids an inline script to choose).
import type { Plugin } from 'vite';
import type { OutputBundle, OutputChunk } from 'rollup';

const FIRST_SCREEN = [/\/screens\/Join\.tsx$/, /\/consent\/texts\/patient\.pt-BR\.md/];

function chunksOf(bundle: OutputBundle): OutputChunk[] {
  return Object.values(bundle).filter((c): c is OutputChunk => c.type === 'chunk');
}

/** The chunks `start` needs, its static imports included, without the entry (already loaded). */
function closure(bundle: OutputBundle, start: OutputChunk): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    const chunk = bundle[file];
    if (!chunk || chunk.type !== 'chunk' || chunk.isEntry || seen.has(file)) return;
    seen.add(file);
    chunk.imports.forEach(visit);
  };
  visit(start.fileName);
  return [...seen];
}

export function preloadFirstScreen(): Plugin {
  return {
    name: 'teleconsulta-preload-first-screen',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.bundle) return html;
        const bundle = ctx.bundle;
        const starts = FIRST_SCREEN.map((re) => chunksOf(bundle).find((c) => !c.isEntry && c.moduleIds.some((id) => re.test(id))));
        if (starts.some((c) => !c)) throw new Error('preloadFirstScreen: a first-screen chunk is missing from the build');
        const files = [...new Set(starts.flatMap((c) => closure(bundle, c!)))];
        return {
          html,
          tags: files.map((file) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `/${file}` }, injectTo: 'head' as const })),
        };
      },
    },
  };
}
