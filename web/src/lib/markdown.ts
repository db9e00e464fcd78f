// Markdown of model answers to safe HTML: GitHub-flavoured Markdown (marked), code blocks
// highlighted (highlight.js) with a copy button, everything sanitised (DOMPurify). Images are
// not loaded (an answer could otherwise make the browser fetch any URL): they become links.

import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import plaintext from 'highlight.js/lib/languages/plaintext';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { Marked, type Tokens } from 'marked';

const LANGUAGES = { bash, c, cpp, css, go, java, javascript, json, markdown, plaintext, python, rust, sql, typescript, xml, yaml };
for (const [name, language] of Object.entries(LANGUAGES)) {
  hljs.registerLanguage(name, language);
}
hljs.registerAliases(['sh', 'shell', 'zsh', 'console'], { languageName: 'bash' });
hljs.registerAliases(['js', 'jsx', 'mjs'], { languageName: 'javascript' });
hljs.registerAliases(['ts', 'tsx'], { languageName: 'typescript' });
hljs.registerAliases(['py'], { languageName: 'python' });
hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });
hljs.registerAliases(['yml'], { languageName: 'yaml' });
hljs.registerAliases(['c++', 'hpp', 'cc', 'h'], { languageName: 'cpp' });
hljs.registerAliases(['rs'], { languageName: 'rust' });
hljs.registerAliases(['text', 'txt'], { languageName: 'plaintext' });

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export function highlight(code: string, lang: string | undefined): { html: string; language: string } {
  const wanted = (lang ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (wanted && hljs.getLanguage(wanted)) {
    const language = hljs.getLanguage(wanted)?.name?.toLowerCase() ?? wanted;
    return { html: hljs.highlight(code, { language: wanted, ignoreIllegals: true }).value, language };
  }
  return { html: escapeHtml(code), language: wanted || 'text' };
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    code({ text, lang }: Tokens.Code): string {
      const { html, language } = highlight(text, lang);
      return (
        `<div class="code-block"><div class="code-block__head"><span class="code-block__lang">${escapeHtml(language)}</span>` +
        `<button type="button" class="button button--small code-block__copy" data-copy-code="">Copy code</button></div>` +
        `<pre><code class="hljs">${html}</code></pre></div>`
      );
    },
    image({ href, text }: Tokens.Image): string {
      return `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`;
    },
  },
});

let hooked = false;
function addHooks(): void {
  if (hooked) {
    return;
  }
  hooked = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A') {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
    }
  });
}

export function renderMarkdown(source: string): string {
  addHooks();
  const html = marked.parse(source, { async: false });
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ['img', 'style', 'form', 'input', 'iframe', 'video', 'audio', 'source', 'picture'],
    FORBID_ATTR: ['style'],
    ADD_ATTR: ['target', 'data-copy-code'],
  });
}
