// Which webhook hosts name the platform's own network: judged on the hostname `new URL` gives.
import { internalHostReason } from '../../../functions/shared/internal-address.js';

const hostOf = (url: string): string => new URL(url).hostname;

describe('internalHostReason', () => {
  it.each([
    'https://127.0.0.1/',
    'https://127.255.0.9/',
    'https://2130706433/',
    'https://0x7f.1/',
    'https://0/',
    'https://169.254.169.254/',
    'https://10.0.0.5/',
    'https://172.16.0.1/',
    'https://172.31.255.255/',
    'https://192.168.1.1/',
    'https://100.64.0.1/',
    'https://[::1]/',
    'https://[::]/',
    'https://[::ffff:169.254.169.254]/',
    'https://[::ffff:7f00:1]/',
    'https://[fd00:ec2::254]/',
    'https://[fe80::1]/',
    'https://localhost:9001/',
    'https://LOCALHOST/',
    'https://api.localhost/',
    'https://localhost./',
    'https://foo.localhost./',
    'https://[::7f00:1]/',
    'https://[64:ff9b::a9fe:a9fe]/',
  ])('refuses %s', (url) => {
    expect(internalHostReason(hostOf(url))).toEqual(expect.any(String));
  });

  it.each([
    'https://example.gov/',
    'https://8.8.8.8/',
    'https://172.32.0.1/',
    'https://192.169.0.1/',
    'https://[2001:db8::1]/',
    'https://[::ffff:8.8.8.8]/',
    'https://localhost.example.org/',
  ])('lets %s through', (url) => {
    expect(internalHostReason(hostOf(url))).toBeUndefined();
  });
});
