import { describe, expect, it } from 'vitest';
import { highlight, renderMarkdown } from './markdown';

describe('renderMarkdown', () => {
  it('renders GitHub-flavoured Markdown', () => {
    const html = renderMarkdown('# Title\n\n- **bold** item\n\n| a | b |\n|---|---|\n| 1 | 2 |\n');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<table>');
  });

  it('highlights fenced code and adds a copy button', () => {
    const html = renderMarkdown('```python\ndef f(x):\n    return x + 1\n```\n');
    expect(html).toContain('class="code-block"');
    expect(html).toContain('data-copy-code');
    expect(html).toContain('<span class="hljs-keyword">def</span>');
    expect(html).toContain('code-block__lang">python<');
  });

  it('escapes code in unknown languages', () => {
    const html = renderMarkdown('```brainfuck\n<script>alert(1)</script>\n```\n');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('removes scripts, event handlers and javascript: links', () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\n<b onclick="x()">hi</b>\n\n[x](javascript:alert(1))\n');
    expect(html).not.toMatch(/<script|onclick|javascript:/);
    expect(html).toContain('<b>hi</b>');
    expect(html).toContain('<a target="_blank" rel="noopener noreferrer nofollow">x</a>');
  });

  it('turns images into links and opens links in a new tab safely', () => {
    const html = renderMarkdown('![chart](https://example.com/c.png) and [docs](https://example.com)');
    expect(html).not.toContain('<img');
    expect(html).toContain('href="https://example.com/c.png"');
    expect(html).toMatch(/<a href="https:\/\/example.com"[^>]*rel="noopener noreferrer nofollow"/);
  });
});

describe('highlight', () => {
  it('knows the usual aliases', () => {
    expect(highlight('let a = 1', 'ts').language).toBe('typescript');
    expect(highlight('echo hi', 'sh').language).toBe('bash');
    expect(highlight('x', undefined).language).toBe('text');
  });
});
