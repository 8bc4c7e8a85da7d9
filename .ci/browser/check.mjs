// Carbon's real-browser check: Debian's chromium, driven by playwright-core, loads the landing page, waits for
// the live demo (www/demo.js) and asserts what the page shows. Exits 0 when every assertion holds, 1 with the
// reasons otherwise, 2 on bad usage. Time-bounded: the whole run gives up after TIMEOUT_MS plus a grace period.
//
// Usage: node check.mjs URL
// Environment (defaults in brackets):
//   EXPECT_PROTOCOL [h2]     nextHopProtocol the page must show (h2, http/1.1, h3)
//   EXPECT_DEMO [ok]         ok: echo and both channel checks pass; off: the page says WebSocket is off
//   TIMEOUT_MS [30000]       page load plus demo
//   CHROMIUM [/usr/bin/chromium]
//   ECHO_PATH [/ws]          with EXPECT_DEMO=off, the failed WebSocket to it and the 404 are not errors
//   SCREENSHOT               a PNG path: a full-page screenshot is saved there
//   QUIC_ORIGIN              host:port Chromium must speak HTTP/3 (QUIC) to from the first request
//                            (--origin-to-force-quic-on); needed for EXPECT_PROTOCOL=h3
//   SPKI_SHA256              base64 SHA-256 of the server certificate's SubjectPublicKeyInfo: Chromium's QUIC
//                            accepts a self-signed certificate only through --ignore-certificate-errors-spki-list
//   NET_LOG                  a JSON path: Chromium's net log goes there (--log-net-log), to see why QUIC failed
//   EXPECT_WT []             the WebTransport part of the demo (#demo's data-webtransport): ok: the stream echo,
//                            the datagram echo and the channel must pass; off: the page must say WebTransport is
//                            off (plain HTTP, or a browser without it); empty: its outcome is only reported, and
//                            the console errors of a failed WebTransport handshake and a 404 from WT_HASH_PATH are
//                            not counted as page errors (the server side may not be there yet)
//   WT_HASH_PATH [/.well-known/carbon/certificate-hash]
import { chromium } from 'playwright-core';

const url = process.argv[2];
if (!url || process.argv.length > 3) {
  console.error('usage: node check.mjs URL   (e.g. https://127.0.0.1:8443/)');
  process.exit(2);
}
const expectProtocol = process.env.EXPECT_PROTOCOL || 'h2';
const expectDemo = process.env.EXPECT_DEMO || 'ok';
const timeoutMs = Number(process.env.TIMEOUT_MS || 30000);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const screenshot = process.env.SCREENSHOT || '';
const echoPath = process.env.ECHO_PATH || '/ws';
const quicOrigin = process.env.QUIC_ORIGIN || '';
const spki = process.env.SPKI_SHA256 || '';
const netLog = process.env.NET_LOG || '';
const expectWt = process.env.EXPECT_WT || '';
const wtHashPath = process.env.WT_HASH_PATH || '/.well-known/carbon/certificate-hash';
if (!['ok', 'off'].includes(expectDemo) || !['', 'ok', 'off'].includes(expectWt) || !(timeoutMs > 0)) {
  console.error('check.mjs: EXPECT_DEMO must be ok or off, EXPECT_WT ok, off or empty, TIMEOUT_MS a positive'
    + ' number of milliseconds');
  process.exit(2);
}
if (expectProtocol === 'h3' && !quicOrigin) {
  console.error('check.mjs: EXPECT_PROTOCOL=h3 needs QUIC_ORIGIN (host:port), and SPKI_SHA256 for a self-signed certificate');
  process.exit(2);
}
const label = `[${url} ${expectProtocol}${expectDemo === 'off' ? ', WebSocket off' : ''}`
  + `${expectWt ? ', WebTransport ' + expectWt : ''}]`;

// A hung browser must not hang CI: the hard stop comes after the demo's own bound and a grace period.
const hardStop = setTimeout(() => {
  console.error(`${label} FAIL: no result within ${timeoutMs + 20000} ms (browser hung?)`);
  process.exit(1);
}, timeoutMs + 20000);
hardStop.unref();

// The flags from docs/DESIGN: no sandbox as root, no GPU, and nothing that calls out to Google's services
// (the network is closed; such connections fail, and slowly).
const args = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--ignore-certificate-errors',
];
// HTTP/3: QUIC to this origin at once, without waiting for Alt-Svc, and no TCP fallback, so a QUIC failure is a
// failed navigation, not a silent h2. --ignore-certificate-errors does not reach QUIC's certificate verifier; the
// SPKI list does. (No --disable-quic anywhere: that would win.)
if (quicOrigin) {
  args.push(`--origin-to-force-quic-on=${quicOrigin}`);
}
if (spki) {
  args.push(`--ignore-certificate-errors-spki-list=${spki}`);
}
if (netLog) {
  args.push(`--log-net-log=${netLog}`);
}

const failures = [];
const pageErrors = [];
let browser;
try {
  browser = await chromium.launch({ executablePath, args, headless: true, timeout: 20000 });
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // CSP violations, uncaught errors and failed WebSocket connections show up as console errors.
    // With WebSocket off, the echo WebSocket fails and the demo's probe (GET on the echo path, 404) tells
    // why: both are logged as errors, and both are expected then.
    const text = message.text();
    const socket = /^WebSocket connection to '([^']*)' failed/.exec(text);
    const notFound = /^Failed to load resource: .* 404\b/.test(text)
      ? new URL(message.location().url || 'x:', url).pathname : null;
    const expected = (expectDemo === 'off' && (notFound === echoPath
      || (socket !== null && new URL(socket[1]).pathname === echoPath)))
      // Without EXPECT_WT=ok, a server without WebTransport (or without the hash route) is no page error.
      || (expectWt !== 'ok' && (notFound === wtHashPath
        || /^Failed to establish a connection to https:\/\/[^ ]*: net::ERR_/.test(text) || /WebTransport/.test(text)));
    if (message.type() === 'error' && expected) {
      console.log(`${label} console error not counted (expected here): ${text}`);
    } else if (message.type() === 'error') {
      pageErrors.push(`console error: ${message.text()}`);
    }
  });

  const response = await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
  if (!response || response.status() !== 200) {
    throw new Error(`${url} answered ${response ? response.status() : 'nothing'}`);
  }
  const csp = (await response.allHeaders())['content-security-policy'] || '';
  // The protocol of the navigation as the browser's own timing API says it, next to what the page shows.
  const navigationProtocol = await page.evaluate(
    () => performance.getEntriesByType('navigation')[0]?.nextHopProtocol ?? '(no navigation entry)');
  console.log(`${label} performance navigation entry: nextHopProtocol = '${navigationProtocol}'`);
  if (navigationProtocol !== expectProtocol) {
    failures.push(`the navigation's nextHopProtocol is '${navigationProtocol}', expected '${expectProtocol}'`);
  }
  // The WebSocket demo, then the WebTransport part (which runs after it, and leaves data-state alone).
  await page.waitForFunction(
    () => ['ok', 'fail', 'off'].includes(document.getElementById('demo')?.dataset.state)
      && ['ok', 'fail', 'off'].includes(document.getElementById('demo')?.dataset.webtransport),
    null, { timeout: timeoutMs, polling: 100 },
  );

  const result = await page.evaluate(() => {
    const pick = (id) => {
      const el = document.getElementById(id);
      return el ? { ...el.dataset, text: el.querySelector('.check-detail')?.textContent.trim() } : null;
    };
    return {
      state: document.getElementById('demo').dataset.state,
      status: document.getElementById('demo-status').textContent.trim(),
      protocol: pick('check-protocol'),
      echo: pick('check-echo'),
      channelWs: pick('check-channel-ws'),
      channelSse: pick('check-channel-sse'),
      wt: {
        state: document.getElementById('demo').dataset.webtransport,
        hash: document.getElementById('demo').dataset.webtransportHash,
        status: document.getElementById('wt-status')?.textContent.trim(),
        stream: pick('check-wt-stream'),
        datagram: pick('check-wt-datagram'),
        channel: pick('check-wt-channel'),
      },
    };
  });

  const expect = (ok, what) => { if (!ok) failures.push(what); };
  const number = (v) => v !== undefined && v !== '' && Number.isFinite(Number(v)) && Number(v) >= 0;

  expect(result.protocol?.protocol === expectProtocol,
    `protocol: the page shows '${result.protocol?.protocol}', expected '${expectProtocol}' (${result.protocol?.text})`);
  const tls = new URL(url).protocol === 'https:';
  expect(result.protocol?.tls === String(tls), `protocol: the page shows tls=${result.protocol?.tls}, expected ${tls}`);
  expect(!csp || csp.includes("default-src 'self'") || csp.includes('default-src \'self\''),
    `the response's Content-Security-Policy is '${csp}', expected default-src 'self'`);

  if (expectDemo === 'ok' && result.state === 'off') {
    failures.push(`demo: the page says WebSocket is off: the WebSocket to ${echoPath} failed and a GET was`
      + ' answered 404, not 426 (enable_websocket off, another websocket_echo_path, or the endpoints not wired in)');
  } else if (expectDemo === 'ok') {
    expect(result.state === 'ok', `demo: state '${result.state}' (${result.status})`);
    const { echo, channelWs, channelSse } = result;
    expect(echo?.state === 'ok', `echo: state '${echo?.state}': ${echo?.text}`);
    expect(echo?.unchanged !== undefined && echo.unchanged === echo.messages && Number(echo.messages) > 0,
      `echo: ${echo?.unchanged} of ${echo?.messages} messages came back unchanged`);
    expect(number(echo?.rttMin) && number(echo?.rttMedian) && Number(echo.rttMin) <= Number(echo.rttMedian),
      `echo: round-trip times missing or inconsistent (min '${echo?.rttMin}', median '${echo?.rttMedian}')`);
    expect(channelWs?.state === 'ok' && channelWs.received === '2',
      `channel over WebSocket: state '${channelWs?.state}', ${channelWs?.received ?? 0} of 2 messages: ${channelWs?.text}`);
    expect(channelSse?.state === 'ok' && channelSse.received === '2',
      `channel over SSE: state '${channelSse?.state}', ${channelSse?.received ?? 0} of 2 events: ${channelSse?.text}`);
    expect(/^\d+$/.test(channelSse?.lastEventId || ''), `channel over SSE: event id '${channelSse?.lastEventId}' is not a number`);
  } else {
    expect(result.state === 'off', `demo: state '${result.state}', expected 'off' (${result.status})`);
    for (const [name, c] of [['echo', result.echo], ['channel over WebSocket', result.channelWs], ['channel over SSE', result.channelSse]]) {
      expect(c?.state === 'off', `${name}: state '${c?.state}', expected 'off': ${c?.text}`);
    }
    expect(/off/i.test(result.status), `demo: the status line does not say the demo is off: '${result.status}'`);
  }
  // WebTransport: one line per check, pass or fail, and with EXPECT_WT=ok or off a failure for each one wrong.
  const { wt } = result;
  const wtChecks = [['WebTransport stream echo', wt.stream], ['WebTransport datagram echo', wt.datagram],
    ['WebTransport channel', wt.channel]];
  if (expectWt === 'ok') {
    expect(wt.state === 'ok', `WebTransport: state '${wt.state}' (${wt.status})`);
    expect(wt.hash === 'sha-256', `WebTransport: the page had no certificate hash from ${wtHashPath}`
      + ` (data-webtransport-hash '${wt.hash}')`);
    for (const [name, c] of wtChecks) {
      expect(c?.state === 'ok', `${name}: state '${c?.state}': ${c?.text}`);
    }
    expect(wt.stream?.received === 'hello', `WebTransport stream echo: got '${wt.stream?.received}', expected 'hello'`);
    expect(Number(wt.datagram?.received) >= 1, `WebTransport datagram echo: ${wt.datagram?.received ?? 0} of`
      + ` ${wt.datagram?.sent ?? '?'} datagrams came back`);
    expect(wt.channel?.wtToWt === 'true' && wt.channel?.wtToWs === 'true' && wt.channel?.wsToWt === 'true',
      `WebTransport channel: A to B ${wt.channel?.wtToWt}, A to WebSocket ${wt.channel?.wtToWs},`
      + ` WebSocket to A ${wt.channel?.wsToWt}`);
  } else if (expectWt === 'off') {
    expect(wt.state === 'off', `WebTransport: state '${wt.state}', expected 'off' (${wt.status})`);
    for (const [name, c] of wtChecks) {
      expect(c?.state === 'off', `${name}: state '${c?.state}', expected 'off': ${c?.text}`);
    }
  }
  for (const e of pageErrors) {
    failures.push(e);
  }

  console.log(`${label} ${result.status}`);
  for (const c of [result.protocol, result.echo, result.channelWs, result.channelSse]) {
    console.log(`  ${(c?.state || '?').padEnd(7)} ${c?.text}`);
  }
  console.log(`${label} WebTransport ${wt.state}${expectWt ? '' : ' (reported only: EXPECT_WT is empty)'}`
    + ` (certificate hash: ${wt.hash || 'not fetched'}): ${wt.status}`);
  for (const [name, c] of wtChecks) {
    const verdict = c?.state === 'ok' ? 'PASS' : c?.state === 'off' ? 'OFF' : 'FAIL';
    console.log(`  ${verdict.padEnd(7)} ${name}: ${c?.text}`);
  }
  if (quicOrigin) {
    // Information: which protocol each subresource and fetch went over (the browser chooses per request).
    const resources = await page.evaluate(() => performance.getEntriesByType('resource')
      .map((e) => `${e.nextHopProtocol || '?'} ${e.initiatorType} ${new URL(e.name).pathname}`));
    console.log(`${label} resources: ${resources.join(', ') || '(none)'}`);
  }
  if (screenshot) {
    await page.screenshot({ path: screenshot, fullPage: true });
  }
} catch (error) {
  failures.push(error.message.split('\n')[0]);
  for (const e of pageErrors) {
    failures.push(e);
  }
} finally {
  if (browser) {
    await browser.close().catch(() => {});
  }
}

if (failures.length > 0) {
  console.error(`${label} FAIL:`);
  for (const f of failures) {
    console.error(`  - ${f}`);
  }
  process.exit(1);
}
console.log(`${label} OK`);
process.exit(0);
