import { isLoopbackHost, notLoopbackMessage } from '../../../local/loopback-host.js';

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
    const message = notLoopbackMessage(`${'a'.repeat(300)}.example`, 'The embedded EventBridge');
    // Assess
    expect(message).toBe(
      `The embedded EventBridge answers requests to a loopback name or address only (127.0.0.1, localhost or [::1]), not to Host "${'a'.repeat(256)}…": a web page could send such requests through DNS rebinding.`,
    );
  });
});
