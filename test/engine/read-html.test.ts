import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readHtml } from '../../src/engine/text/read-html.ts';

describe('readHtml', () => {
  it('collapses every run of whitespace, Unicode spaces included, to one space', () => {
    const piece = fc.constantFrom(
      'a',
      'bc',
      ' ',
      '  ',
      '\n',
      '\r\n',
      '\t',
      '\f',
      '\v',
      '\u00a0',
      '\u2003',
      '\u3000',
      '\ufeff',
      '\u2028',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        expect(readHtml(`<p>${text}</p>`).visibleText).toBe(text.replace(/\s+/g, ' ').trim());
      }),
    );
  });

  it('reads every URL attribute it looks at, in any case, the first of a repeated one', () => {
    const doc = readHtml(
      '<body BACKGROUND="bg.png"><meta HTTP-EQUIV=Refresh content="0; url=https://r.example/">' +
        '<table background=t.png><tr><td background=c.png>' +
        '<a href="https://a.example/" HREF="https://ignored.example/">see a.example</a>' +
        '<img Src=i.png srcset="s1.png 1x, s2.png 2x"><video src=v.mp4 poster=p.png></video>' +
        '<object data=o.swf></object><form ACTION=" /post "><button formaction=/b>go</button>' +
        '<input Type=PASSWORD></form></td></tr></table></body>',
    );
    expect(doc.links.map((l) => [l.source, l.element, l.url, l.anchorText])).toEqual([
      ['src', 'body', 'bg.png', null],
      ['href', 'meta', 'https://r.example/', null],
      ['src', 'table', 't.png', null],
      ['src', 'td', 'c.png', null],
      ['href', 'a', 'https://a.example/', 'see a.example'],
      ['src', 'img', 'i.png', null],
      ['srcset', 'img', 's1.png', null],
      ['srcset', 'img', 's2.png', null],
      ['src', 'video', 'v.mp4', null],
      ['src', 'video', 'p.png', null],
      ['src', 'object', 'o.swf', null],
      ['form', 'form', '/post', null],
      ['form', 'button', '/b', null],
    ]);
    expect(doc.forms).toEqual([{ action: '/post', hasPassword: true }]);
  });

  it('reads the attributes that hide text', () => {
    const doc = readHtml(
      '<p><font COLOR=white>white on white</font> <span style="color:#fff">also unseen</span>' +
        '<div BGCOLOR=#000 style="color:black">black on black</div><p Hidden>hidden</p>' +
        '<i STYLE="display:none">none</i> shown</p>' +
        '<table background=t.png><tr><td><font color=white>on an image</font></td></tr></table>',
    );
    expect(doc.visibleText).toBe('shown on an image');
    expect(doc.hiddenText).toBe('white on whitealso unseen black on black hiddennone');
  });
});
