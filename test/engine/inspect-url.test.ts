import { describe, expect, it } from 'vitest';
import { analyzeEmail, DEFAULT_ENGINE_OPTIONS } from '../../src/engine/index.ts';
import { inspectUrl } from '../../src/engine/url/inspect-url.ts';

describe('how an IPv4 host was written', () => {
  it.each([
    ['http://195.146.99.180/login', 'dotted'],
    ['http://3280364468/login', 'obfuscated'],
    ['http://0xc3.0x92.0x63.0xb4/login', 'obfuscated'],
    ['http://%31%39%35.146.99.180/login', 'obfuscated'],
    ['http://www.bank.example/login', null],
  ])('%s is %s', (url, form) => {
    expect(inspectUrl(url)?.ipForm).toBe(form);
  });
});

describe('a percent-encoded port', () => {
  it('is decoded, so the link it hides is still inspected', () => {
    const inspected = inspectUrl(
      'http://%31%39%35%2E%31%34%36%2E%39%39%2E%31%38%30:%38%37/%73%74/index.htm',
    );
    expect(inspected).toMatchObject({
      url: 'http://195.146.99.180:87/%73%74/index.htm',
      host: '195.146.99.180',
      ipForm: 'obfuscated',
    });
  });

  it('behind user info or on a domain keeps the host the parser reads', () => {
    expect(inspectUrl('http://www.bank.example@host.example:%34%34%33/')?.host).toBe(
      'host.example',
    );
    expect(inspectUrl('http://host.example:%38%30/a')?.url).toBe('http://host.example/a');
  });

  it('is no licence for any other port', () => {
    expect(inspectUrl('http://host.example:8a/')).toBeNull();
    expect(inspectUrl('http://host.example:%41/')).toBeNull();
  });

  it('in an image map is an obfuscated IP link to click', async () => {
    const content =
      '<img src="banner.gif" usemap="#m"><map name="m"><area shape="rect" coords="0,0,600,400" ' +
      'href="http://%31%39%35%2E%31%34%36%2E%39%39%2E%31%38%30:%38%37/%73%74/"></map>';
    const result = await analyzeEmail(
      { sender: 'SunTrust <alerts@suntrust.example>', subject: 'Fraud alert', content },
      { ...DEFAULT_ENGINE_OPTIONS, analyzers: ['links'] },
    );
    const ipHost = result.findings.find((finding) => finding.id === 'links.ip_host');
    expect(ipHost?.evidence).toContain('http://195.146.99.180:87/');
  });
});
