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
    // Not globally reachable, multicast, broadcast, or IPv6 carrying an IPv4 address (review, 2026-12-04)
    'https://192.0.0.170/',
    'https://192.0.2.1/',
    'https://198.18.0.1/',
    'https://198.19.255.255/',
    'https://198.51.100.7/',
    'https://203.0.113.9/',
    'https://224.0.0.1/',
    'https://239.255.255.250/',
    'https://240.0.0.1/',
    'https://255.255.255.255/',
    'https://[64:ff9b:1::a9fe:a9fe]/',
    'https://[100::1]/',
    'https://[2001::a9fe:a9fe]/',
    'https://[2001:db8::1]/',
    'https://[3fff::1]/',
    'https://[2002:a9fe:a9fe::1]/',
    'https://[fec0::1]/',
    'https://[ff02::1]/',
    // Three more of IANA's blocks (review, 2026-12-05)
    'https://192.88.99.1/',
    'https://[::ffff:0:7f00:1]/',
    'https://[5f00::1]/',
  ])('refuses %s', (url) => {
    expect(internalHostReason(hostOf(url))).toEqual(expect.any(String));
  });

  it.each([
    'https://example.gov/',
    'https://8.8.8.8/',
    'https://172.32.0.1/',
    'https://192.169.0.1/',
    'https://[2600:1f18::1]/',
    'https://[2a05:d014::1]/',
    'https://[::ffff:8.8.8.8]/',
    // 8.10.0.1, whose bytes read in the wrong order would be 10.8.0.1.
    'https://[::ffff:8.10.0.1]/',
    'https://192.0.3.1/',
    'https://198.20.0.1/',
    'https://223.255.255.254/',
    'https://localhost.example.org/',
  ])('lets %s through', (url) => {
    expect(internalHostReason(hostOf(url))).toBeUndefined();
  });
});
