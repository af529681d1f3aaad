import {
  isLoopbackHost,
  isLoopbackOrigin,
  parseAllowedHosts,
  webPageRefusal,
} from '../../../local/loopback-host.js';

describe('isLoopbackHost', () => {
  it.each([
    '127.0.0.1:4511',
    '127.0.0.1',
    '127.1.2.3:80',
    'localhost:4510',
    'LOCALHOST:4510',
    'console.localhost:8080',
    '[::1]:4511',
    '[0:0:0:0:0:0:0:1]:4511',
    '[::ffff:127.0.0.1]:4511',
  ])('answers Host %s, a loopback name or address', (host) => {
    // Act / Assess
    expect(isLoopbackHost(host)).toBe(true);
  });

  it('answers a request without Host, which no browser sends', () => {
    // Act / Assess
    expect([isLoopbackHost(undefined), isLoopbackHost('')]).toEqual([true, true]);
  });

  it.each([
    'evil.example:4511',
    'evil.example',
    '127.0.0.1.evil.example:4511',
    'localhost.evil.example:4510',
    'localhostx:4510',
    'notlocalhost:4510',
    '0.0.0.0:4511',
    '10.0.0.1:4511',
    '[::2]:4511',
    '[::ffff:10.0.0.1]:4511',
    'evil.example@127.0.0.1:4511',
    '127.0.0.1:4511/evil',
    '127.0.0.1:4511\\evil',
    'bad host',
  ])('refuses Host %s, which a page rebound to 127.0.0.1 would send', (host) => {
    // Act / Assess
    expect(isLoopbackHost(host)).toBe(false);
  });

  it('names the refused Host in the message, cut past 256 characters', () => {
    // Act
    const refusal = webPageRefusal({ host: `${'a'.repeat(300)}.example` }, 'The embedded EventBridge');
    // Assess
    expect(refusal).toEqual({
      message: `The embedded EventBridge answers requests to a loopback name or address only (127.0.0.1 or localhost) or to a name given in SHAREBUS_ALLOWED_HOSTS, not to Host "${'a'.repeat(256)}…": a web page could send such requests through DNS rebinding.`,
      field: { field: 'Host', message: 'is not a loopback name or address' },
    });
  });
});

describe('isLoopbackOrigin', () => {
  it.each([
    undefined,
    'http://127.0.0.1:4511',
    'http://localhost:3000',
    'https://console.localhost',
    'http://[::1]:8080',
  ])('answers Origin %s', (origin) => {
    // Act / Assess
    expect(isLoopbackOrigin(origin)).toBe(true);
  });

  it.each([
    'https://evil.example',
    'null',
    'file://',
    'chrome-extension://abc',
    'http://evil.example@127.0.0.1',
    // Not as a browser serializes an origin (a path, capitals, a default port, a list): no page sends them
    'http://localhost:3000/',
    'HTTP://LOCALHOST:3000',
    'http://localhost:80',
    'http://127.0.0.1:4510, https://evil.example',
    '',
    // Not a web page's scheme
    'ws://127.0.0.1:4511',
  ])('refuses Origin %s', (origin) => {
    // Act / Assess
    expect(isLoopbackOrigin(origin)).toBe(false);
  });
});

describe('webPageRefusal', () => {
  it('answers a request of this machine: loopback Host, no Origin or a loopback one', () => {
    // Act / Assess
    expect([
      webPageRefusal({ host: '127.0.0.1:4511' }, 'S'),
      webPageRefusal({ host: 'localhost:4510', origin: 'http://localhost:3000' }, 'S'),
    ]).toEqual([undefined, undefined]);
  });

  it('names the Origin of a page elsewhere that sent 127.0.0.1 itself, and the Host first when both are at fault', () => {
    // Act
    const fromPage = webPageRefusal({ host: '127.0.0.1:4511', origin: 'https://evil.example' }, 'S');
    const both = webPageRefusal({ host: 'evil.example:4511', origin: 'https://evil.example:4511' }, 'S');
    // Assess
    expect(fromPage).toEqual({
      message:
        'S answers no request from a web page served elsewhere than this machine, and this one came from Origin "https://evil.example".',
      field: { field: 'Origin', message: 'is not a loopback origin' },
    });
    expect(both?.field.field).toBe('Host');
  });
});

describe('SHAREBUS_ALLOWED_HOSTS', () => {
  it('reads host names separated by commas, trimmed and in lower case; none when unset or empty', () => {
    // Act / Assess
    expect([...parseAllowedHosts(' bus.example.gov , Intra.Example ', 'V')]).toEqual([
      'bus.example.gov',
      'intra.example',
    ]);
    expect([...parseAllowedHosts(undefined, 'V'), ...parseAllowedHosts('', 'V')]).toEqual([]);
  });

  it.each([
    'https://bus.example.gov',
    'bus.example.gov:443',
    '*.example.gov',
    'bus_example',
    'bus..example',
    '-bus.example',
    '10.0.5',
    '010.0.0.5',
    '999.1.1.1',
    '123',
  ])('refuses %s, naming the variable', (value) => {
    // Act / Assess
    expect(() => parseAllowedHosts(value, 'SHAREBUS_ALLOWED_HOSTS')).toThrow(
      `SHAREBUS_ALLOWED_HOSTS must be host names separated by commas, without a scheme, port or wildcard (as bus.example.gov); got ${JSON.stringify(value.toLowerCase())}`,
    );
  });

  it("answers an allowed name in Host, on any port, and pages served from it; another site's still refused", () => {
    // Prepare
    const allowed = parseAllowedHosts('bus.example.gov', 'V');
    // Act / Assess
    expect(webPageRefusal({ host: 'bus.example.gov' }, 'S', allowed)).toBeUndefined();
    expect(
      webPageRefusal({ host: 'BUS.example.gov:8443', origin: 'https://bus.example.gov' }, 'S', allowed),
    ).toBeUndefined();
    expect(webPageRefusal({ host: 'evil.example' }, 'S', allowed)?.field.field).toBe('Host');
    expect(webPageRefusal({ host: '10.0.0.5' }, 'S', parseAllowedHosts('10.0.0.5', 'V'))).toBeUndefined();
    expect(
      webPageRefusal({ host: 'bus.example.gov', origin: 'ws://bus.example.gov' }, 'S', allowed)?.field.field,
    ).toBe('Origin');
    expect(webPageRefusal({ host: 'bus.example.gov.evil.example' }, 'S', allowed)?.field.field).toBe('Host');
    expect(
      webPageRefusal({ host: 'bus.example.gov', origin: 'https://evil.example' }, 'S', allowed)?.field.field,
    ).toBe('Origin');
  });

  // Test audit, 2026-12-07: with allowed hosts, an Origin that is no URL was never tried; answering it would let a
  // sandboxed frame or a file:// page (`Origin: null`) send requests through the reverse proxy's name.
  it.each(['null', 'bus.example.gov', 'https://', '://bus.example.gov', 'https://bus.example.gov/'])(
    'refuses Origin %s, which is no page origin, when allowed hosts are set',
    (origin) => {
      // Prepare
      const allowed = parseAllowedHosts('bus.example.gov', 'V');
      // Act
      const refusal = webPageRefusal({ host: 'bus.example.gov', origin }, 'S', allowed);
      // Assess
      expect(refusal?.field).toEqual({ field: 'Origin', message: 'is not a loopback origin' });
    },
  );
});
