import type { ComponentChildren } from 'preact';
import { navigate } from '../router';

/** An in-app link: a real <a href> (keyboard, middle-click) that navigates without reloading. */
export function Link({ href, children, class: className, label }: { href: string; children: ComponentChildren; class?: string; label?: string }) {
  return (
    <a
      href={href}
      class={className}
      aria-label={label}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
