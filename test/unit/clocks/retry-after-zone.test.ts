// Retry-After as an HTTP-date is UTC whatever its form (RFC 9110 5.6.7: IMF-fixdate, RFC 850 and asctime, which has
// no zone and is read as UTC). Date.parse read asctime (and any zoneless date) in the machine's zone.
import { inZone } from './in-zone.js';

const SCRIPT = `
import { createServer } from 'node:http';
import { callEndpoint } from './local/eventbridge/api-destination-call.ts';
const d = new Date(Date.now() + 120_000);
const imf = d.toUTCString();
const two = (n) => String(n).padStart(2, '0');
const hms = two(d.getUTCHours()) + ':' + two(d.getUTCMinutes()) + ':' + two(d.getUTCSeconds());
const weekday = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][d.getUTCDay()];
const rfc850 = weekday + ', ' + imf.slice(5, 7) + '-' + imf.slice(8, 11) + '-' + imf.slice(14, 16) + ' ' + hms + ' GMT';
const asctime = imf.slice(0, 3) + ' ' + imf.slice(8, 11) + ' ' + String(d.getUTCDate()).padStart(2, ' ') + ' ' + hms +
  ' ' + d.getUTCFullYear();
let header = '';
const server = createServer((_, res) => { res.writeHead(503, { 'retry-after': header }); res.end(); });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const waits = {};
// Not one of the three forms, but naming its zone: read as before the three forms were parsed by hand.
const numeric = imf.replace('GMT', '+0000');
const iso = d.toISOString();
for (const [form, text] of Object.entries({ imf, rfc850, asctime, numeric, iso })) {
  header = text;
  const result = await callEndpoint({ endpoint: 'http://127.0.0.1:' + server.address().port + '/', method: 'POST',
    payload: '{}', event: {}, target: undefined, connection: {}, authorization: ['x-api-key', 'k'] },
    new AbortController().signal, 5000);
  waits[form] = [text, result.failure.retryAfterMs];
}
server.close();
console.log(JSON.stringify(waits));
`;

describe('API destination call: a Retry-After HTTP-date (RFC 9110) 120 s ahead', () => {
  it.each(['UTC', 'America/Sao_Paulo', 'Asia/Shanghai'])(
    'is a wait of 120 s in each form, and in a form naming its zone, in TZ=%s',
    async (tz) => {
      const waits = (await inZone(tz, SCRIPT)) as Record<string, [string, number]>;
      for (const [text, wait] of Object.values(waits)) {
        expect([text, wait > 115_000 && wait <= 120_000]).toEqual([text, true]);
      }
    },
  );
});
