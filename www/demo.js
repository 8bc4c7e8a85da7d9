// Carbon's landing page demo: which protocol served the page, the WebSocket echo with round-trip times, and a
// channel joined over WebSocket and Server-Sent Events at once. Same origin only (CSP default-src 'self').
// Every result is also in the DOM for tests: data-state on #demo (idle, running, ok, fail, off) and on each
// .check (the same, and unknown for a protocol the browser does not tell), plus data-* values on the checks:
// protocol and tls; messages, unchanged, rtt-min and rtt-median (ms); channel, received and last-event-id.
// Then, over HTTPS in a browser with WebTransport, the same endpoints over WebTransport (HTTP/3): a stream echo,
// a datagram echo and a channel shared with a WebSocket; their outcome is #demo's data-webtransport, apart from
// data-state, so that a server without WebTransport leaves the WebSocket demo's result as it was.
'use strict';

(function () {
  const STEP_TIMEOUT_MS = 5000;
  const ECHO_MESSAGES = 8;

  const section = document.getElementById('demo');
  if (!section) {
    return;
  }
  const statusLine = document.getElementById('demo-status');
  const runButton = document.getElementById('demo-run');
  const echoPath = section.dataset.echoPath || '/ws';
  const channelsPath = section.dataset.channelsPath || '/ws/channels/';
  const wsBase = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host;

  const BADGES = { idle: 'Waiting', running: 'Running…', ok: 'OK', fail: 'Failed', off: 'Off', unknown: 'Unknown' };

  function check(id) {
    const item = document.getElementById(id);
    return {
      item,
      set(state, text, data) {
        if (state === 'running' || state === 'idle') {
          // A new run: no value of the last one may be read as this run's.
          for (const key of Object.keys(item.dataset)) {
            delete item.dataset[key];
          }
        }
        item.dataset.state = state;
        item.querySelector('.check-badge').textContent = BADGES[state];
        if (text !== undefined) {
          item.querySelector('.check-detail').textContent = text;
        }
        for (const [key, value] of Object.entries(data || {})) {
          item.dataset[key] = String(value);
        }
      },
    };
  }

  const checks = {
    protocol: check('check-protocol'),
    echo: check('check-echo'),
    channelWs: check('check-channel-ws'),
    channelSse: check('check-channel-sse'),
  };

  function status(text) {
    statusLine.textContent = text;
  }

  function ms(value) {
    return value < 10 ? value.toFixed(2) : value.toFixed(1);
  }

  function randomToken() {
    const bytes = new Uint8Array(6);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function withTimeout(promise, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(what + ' took more than ' + STEP_TIMEOUT_MS / 1000 + ' s')),
        STEP_TIMEOUT_MS);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  // Messages of a WebSocket or an EventSource, in order, for one consumer that awaits them one by one.
  class Inbox {
    constructor(name) {
      this.name = name;
      this.queue = [];
      this.waiter = null;
      this.failure = null;
    }

    push(value) {
      if (this.waiter) {
        const waiter = this.waiter;
        this.waiter = null;
        waiter.resolve(value);
      } else {
        this.queue.push(value);
      }
    }

    fail(error) {
      if (!this.failure) {
        this.failure = error;
      }
      if (this.waiter) {
        const waiter = this.waiter;
        this.waiter = null;
        waiter.reject(error);
      }
    }

    next() {
      if (this.queue.length > 0) {
        return Promise.resolve(this.queue.shift());
      }
      if (this.failure) {
        return Promise.reject(this.failure);
      }
      return withTimeout(new Promise((resolve, reject) => {
        this.waiter = { resolve, reject };
      }), 'a message on ' + this.name).finally(() => {
        this.waiter = null;
      });
    }
  }

  // Opens a WebSocket and resolves when it is open; its messages go to socket.inbox.
  function openSocket(path, name) {
    const socket = new WebSocket(wsBase + path);
    socket.binaryType = 'arraybuffer';
    socket.inbox = new Inbox(name);
    const opened = new Promise((resolve, reject) => {
      socket.addEventListener('open', () => resolve(socket));
      socket.addEventListener('error', () => reject(Object.assign(
        new Error(name + ': the WebSocket could not connect'), { beforeOpen: true })));
      socket.addEventListener('close', (event) => {
        const why = name + ' closed (code ' + event.code + (event.reason ? ', ' + event.reason : '') + ')';
        reject(new Error(why));
        socket.inbox.fail(new Error(why));
      });
    });
    socket.addEventListener('message', (event) => socket.inbox.push({ data: event.data, at: performance.now() }));
    return withTimeout(opened, 'opening ' + name).catch((error) => {
      socket.close();
      throw error;
    });
  }

  // Subscribes with an EventSource and resolves when the stream is open; events go to source.inbox.
  function openEventSource(path, name) {
    const source = new EventSource(path);
    source.inbox = new Inbox(name);
    const opened = new Promise((resolve, reject) => {
      source.addEventListener('open', () => resolve(source));
      source.addEventListener('error', () => {
        // EventSource retries on its own; for the demo, an error is a failure.
        const error = new Error(name + ': the event stream failed or was refused');
        reject(error);
        source.inbox.fail(error);
      });
    });
    source.addEventListener('message', (event) =>
      source.inbox.push({ data: event.data, id: event.lastEventId, at: performance.now() }));
    return withTimeout(opened, 'opening ' + name).catch((error) => {
      source.close();
      throw error;
    });
  }

  function sameBytes(a, b) {
    if (!(a instanceof ArrayBuffer) || a.byteLength !== b.byteLength) {
      return false;
    }
    const x = new Uint8Array(a);
    const y = new Uint8Array(b);
    return x.every((value, i) => value === y[i]);
  }

  // (a) The protocol of this page's own response, as the browser saw it.
  function showProtocol() {
    const entry = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
    const protocol = (entry && entry.nextHopProtocol) || '';
    const tls = location.protocol === 'https:';
    const names = { h2: 'HTTP/2', h3: 'HTTP/3 (QUIC)', 'http/1.1': 'HTTP/1.1', 'http/1.0': 'HTTP/1.0' };
    const shown = protocol ? (names[protocol] || protocol) + ' (' + protocol + ')' : 'a protocol the browser does not tell';
    checks.protocol.set(protocol ? 'ok' : 'unknown',
      'This page came over ' + shown + (tls ? ', over TLS.' : ', without TLS.'),
      { protocol: protocol || 'unknown', tls: tls });
  }

  // Asked only after the echo WebSocket failed to open: is WebSocket off, or broken? The echo path answers a
  // plain GET with 426 when WebSocket is on; without it, the path is just a missing file (404).
  async function websocketOff() {
    try {
      const response = await withTimeout(fetch(echoPath, { cache: 'no-store' }), 'asking ' + echoPath);
      return response.status === 404;
    } catch (error) {
      return false;
    }
  }

  // (b) Echo: text messages (with non-ASCII characters) and one binary message, one at a time, each timed.
  async function runEcho() {
    checks.echo.set('running');
    const socket = await openSocket(echoPath, 'the echo WebSocket');
    try {
      const token = randomToken();
      const rtts = [];
      let unchanged = 0;
      for (let i = 0; i < ECHO_MESSAGES; i++) {
        const binary = i === ECHO_MESSAGES - 1;
        const sent = binary
          ? Uint8Array.from({ length: 256 }, (_, b) => b).buffer
          : 'Carbon demo ' + token + ' #' + (i + 1) + ': échos, ✓, 炭素, 🔌';
        const start = performance.now();
        socket.send(sent);
        const got = await socket.inbox.next();
        rtts.push(got.at - start);
        if (binary ? sameBytes(got.data, sent) : got.data === sent) {
          unchanged++;
        }
      }
      rtts.sort((a, b) => a - b);
      const min = rtts[0];
      const mid = rtts.length >> 1;
      const median = rtts.length % 2 ? rtts[mid] : (rtts[mid - 1] + rtts[mid]) / 2;
      const ok = unchanged === ECHO_MESSAGES;
      checks.echo.set(ok ? 'ok' : 'fail',
        unchanged + ' of ' + ECHO_MESSAGES + ' messages (' + (ECHO_MESSAGES - 1) + ' text, 1 binary) came back unchanged.'
          + ' Round trip: min ' + ms(min) + ' ms, median ' + ms(median) + ' ms.',
        { messages: ECHO_MESSAGES, unchanged, rttMin: ms(min), rttMedian: ms(median) });
      return ok;
    } finally {
      socket.close(1000, 'demo done');
    }
  }

  // (c) Channel: a listening WebSocket and an EventSource on demo-<random>; a second WebSocket sends one message
  // and a POST publishes another. Both must reach the listener and the EventSource; the sender must get only the
  // POST (a channel delivers to every other member). A failing EventSource fails only its own check.
  async function runChannel() {
    checks.channelWs.set('running');
    checks.channelSse.set('running');
    const channel = 'demo-' + randomToken();
    const path = channelsPath + channel;
    const opened = [];
    let events = null;
    let sseError = null;
    const nextEvent = async () => {
      if (!events || sseError) {
        return null;
      }
      try {
        return await events.inbox.next();
      } catch (error) {
        sseError = error;
        return null;
      }
    };
    try {
      const listener = await openSocket(path, 'the listening WebSocket');
      opened.push(listener);
      try {
        events = await openEventSource(path, 'the EventSource');
        opened.push(events);
      } catch (error) {
        sseError = error;
      }
      const sender = await openSocket(path, 'the sending WebSocket');
      opened.push(sender);

      const token = randomToken();
      const fromSocket = 'hello from a second WebSocket on ' + channel + ' (' + token + ')';
      const fromPost = 'published with POST to ' + channel + ' (' + token + ') ✓';

      // Arrival times are taken by the inboxes, so waiting for one source after the other does not skew them.
      const sentAt = performance.now();
      sender.send(fromSocket);
      const ws1 = await listener.inbox.next();
      const sse1 = await nextEvent();

      const postedAt = performance.now();
      const response = await withTimeout(fetch(path, {
        method: 'POST', body: fromPost, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, cache: 'no-store',
      }), 'the POST');
      if (!response.ok) {
        throw new Error('the POST to ' + path + ' was answered with ' + response.status);
      }
      const ws2 = await listener.inbox.next();
      const senderGot = await sender.inbox.next();
      const sse2 = await nextEvent();

      const expected = [fromSocket, fromPost];
      const wsOk = ws1.data === fromSocket && ws2.data === fromPost;
      const senderOk = senderGot.data === fromPost;
      checks.channelWs.set(wsOk && senderOk ? 'ok' : 'fail',
        (wsOk ? 'Both messages arrived on ' + channel + ' over WebSocket: the second WebSocket\'s in '
          + ms(ws1.at - sentAt) + ' ms, the POST\'s in ' + ms(ws2.at - postedAt) + ' ms.'
          : 'The listening WebSocket got other messages than were sent: ' + JSON.stringify([ws1.data, ws2.data]) + '.')
          + (senderOk ? ' The sender got only the POST, not its own message.'
            : ' The sender got its own message back.'),
        { channel, received: [ws1, ws2].filter((m, i) => m.data === expected[i]).length });

      const sseOk = !sseError && sse1.data === fromSocket && sse2.data === fromPost;
      let sseText;
      if (sseError) {
        sseText = sentence(sseError.message);
      } else if (sseOk) {
        sseText = 'Both messages arrived as events (last id ' + (sse2.id || 'none') + '): the second WebSocket\'s in '
          + ms(sse1.at - sentAt) + ' ms, the POST\'s in ' + ms(sse2.at - postedAt) + ' ms.';
      } else {
        sseText = 'The EventSource got other messages than were sent: ' + JSON.stringify([sse1.data, sse2.data]) + '.';
      }
      checks.channelSse.set(sseOk ? 'ok' : 'fail', sseText, {
        channel,
        received: sseError ? 0 : [sse1, sse2].filter((m, i) => m.data === expected[i]).length,
        lastEventId: sseOk ? sse2.id || '' : '',
      });
      return wsOk && senderOk && sseOk;
    } finally {
      for (const thing of opened) {
        thing.close();
      }
    }
  }

  // "the echo WebSocket: ..." -> "The echo WebSocket: ....."
  function sentence(message) {
    return message.charAt(0).toUpperCase() + message.slice(1) + '.';
  }

  function fail(which, error) {
    for (const c of which) {
      if (c.item.dataset.state === 'running' || c.item.dataset.state === 'idle') {
        c.set('fail', sentence(error.message));
      }
    }
    return false;
  }

  // ---- WebTransport (HTTP/3): a stream echo, a datagram echo and a channel, on sessions to the same paths. ----
  // Runs after the WebSocket demo and never changes #demo's data-state: its own outcome is #demo's
  // data-webtransport (idle, running, ok, fail, off), with data-webtransport-hash saying how the certificate was
  // trusted (sha-256: by the hash from CERT_HASH_PATH; none: by the browser's usual checks). Each WebTransport
  // check has the same data-state values plus data-* values: sent, received and rtt (ms) on the stream echo;
  // sent and received on the datagram echo; channel, wt-to-wt, wt-to-ws, ws-to-wt and datagrams on the channel.
  // Off means not tried: the page came over plain HTTP (no QUIC on that port) or the browser has no WebTransport.
  const CERT_HASH_PATH = '/.well-known/carbon/certificate-hash';
  const DATAGRAMS = 3;
  const DATAGRAM_WAIT_MS = 2000;
  const wtStatusLine = document.getElementById('wt-status');
  const wtChecks = {
    stream: check('check-wt-stream'),
    datagram: check('check-wt-datagram'),
    channel: check('check-wt-channel'),
  };
  const encoder = new TextEncoder();

  function wtStatus(text) {
    if (wtStatusLine) {
      wtStatusLine.textContent = text;
    }
  }

  function wtUnavailable() {
    if (location.protocol !== 'https:') {
      return 'This page came over plain HTTP; WebTransport needs HTTPS (HTTP/3 on the HTTPS port).';
    }
    if (typeof WebTransport !== 'function') {
      return 'This browser has no WebTransport.';
    }
    return null;
  }

  // The serverCertificateHashes option from CERT_HASH_PATH, or none when it cannot be had (then the certificate
  // must pass the browser's usual checks).
  async function certificateHashes() {
    try {
      const response = await withTimeout(fetch(CERT_HASH_PATH, { cache: 'no-store' }), 'fetching ' + CERT_HASH_PATH);
      if (!response.ok) {
        return { hashes: [], how: 'none', why: CERT_HASH_PATH + ' answered ' + response.status };
      }
      const json = await response.json();
      if (json.algorithm !== 'sha-256' || typeof json.value !== 'string') {
        return { hashes: [], how: 'none', why: CERT_HASH_PATH + ' did not give a sha-256 value' };
      }
      const value = Uint8Array.from(atob(json.value), (c) => c.charCodeAt(0));
      if (value.length !== 32) {
        return { hashes: [], how: 'none', why: CERT_HASH_PATH + ' gave ' + value.length + ' bytes, not 32' };
      }
      return { hashes: [{ algorithm: 'sha-256', value }], how: 'sha-256', why: '' };
    } catch (error) {
      return { hashes: [], how: 'none', why: error.message };
    }
  }

  // "WebTransportError: Opening handshake failed." plus its source and stream error code when it has them.
  function describe(error) {
    if (!error) {
      return 'unknown error';
    }
    let text = (error.name && error.name !== 'Error' ? error.name + ': ' : '')
      + (error.message || String(error)).replace(/\.$/, '');
    if (error.source) {
      text += ' (source ' + error.source + (error.streamErrorCode != null ? ', stream error ' + error.streamErrorCode : '')
        + ')';
    }
    return text.replace(/\.$/, '');
  }

  // Opens a WebTransport session to path on this host and port, and resolves when it is ready. Every promise of
  // the transport gets a handler at once, so a failed or closed session is never an unhandled rejection.
  async function openTransport(path, hashes, name) {
    const url = 'https://' + location.host + path;
    let transport;
    try {
      transport = new WebTransport(url, hashes.length > 0 ? { serverCertificateHashes: hashes } : {});
    } catch (error) {
      throw new Error(name + ' could not be created: ' + describe(error));
    }
    transport.closed.catch(() => {});
    transport.ready.catch(() => {});
    try {
      await withTimeout(transport.ready, 'opening ' + name);
    } catch (error) {
      closeTransport(transport);
      throw new Error(name + ' could not connect to ' + url + ': ' + describe(error));
    }
    return transport;
  }

  function closeTransport(transport, reason) {
    try {
      transport.close({ closeCode: 0, reason: reason || 'demo done' });
    } catch (error) {
      // Already closed or failed: nothing to do.
    }
  }

  // The whole of a readable byte stream as text, up to limit bytes.
  async function readText(readable, limit) {
    const reader = readable.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let size = 0;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          return text + decoder.decode();
        }
        size += value.byteLength;
        if (size > (limit || 65536)) {
          throw new Error('more than ' + (limit || 65536) + ' bytes came back');
        }
        text += decoder.decode(value, { stream: true });
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  // (d) Stream echo: "hello" on a new bidirectional stream, FIN, and the stream's whole answer must be "hello".
  async function runWtStream(transport) {
    const sent = 'hello';
    const start = performance.now();
    const stream = await withTimeout(transport.createBidirectionalStream(), 'opening a bidirectional stream');
    const writer = stream.writable.getWriter();
    await withTimeout(writer.write(encoder.encode(sent)), 'writing to the stream');
    await withTimeout(writer.close(), 'closing the stream');
    const received = await withTimeout(readText(stream.readable), 'the echo of the stream');
    const rtt = performance.now() - start;
    const ok = received === sent;
    wtChecks.stream.set(ok ? 'ok' : 'fail',
      ok ? '"' + sent + '" came back unchanged on the bidirectional stream in ' + ms(rtt) + ' ms.'
        : 'Sent ' + JSON.stringify(sent) + ' on a bidirectional stream, got ' + JSON.stringify(received) + ' back.',
      { sent, received, rtt: ms(rtt) });
    return ok;
  }

  // Reads datagrams in the background into list (as text) until stop() is called.
  function collectDatagrams(transport, list) {
    const reader = transport.datagrams.readable.getReader();
    (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          return;
        }
        list.push({ text: new TextDecoder().decode(value), at: performance.now() });
      }
    })().catch(() => {});
    return () => reader.cancel().catch(() => {});
  }

  // (e) Datagram echo: DATAGRAMS datagrams out; at least one must come back unchanged within DATAGRAM_WAIT_MS.
  async function runWtDatagrams(transport) {
    const token = randomToken();
    const sent = Array.from({ length: DATAGRAMS }, (_, i) => 'Carbon datagram ' + token + ' #' + (i + 1));
    const got = [];
    const stop = collectDatagrams(transport, got);
    const writer = transport.datagrams.writable.getWriter();
    const start = performance.now();
    try {
      for (const text of sent) {
        await withTimeout(writer.write(encoder.encode(text)), 'sending a datagram');
      }
      const deadline = start + DATAGRAM_WAIT_MS;
      while (performance.now() < deadline && got.filter((d) => sent.includes(d.text)).length < DATAGRAMS) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      writer.releaseLock();
      stop();
    }
    const echoed = got.filter((d) => sent.includes(d.text));
    const ok = echoed.length >= 1;
    wtChecks.datagram.set(ok ? 'ok' : 'fail',
      echoed.length + ' of ' + DATAGRAMS + ' datagrams came back unchanged within ' + DATAGRAM_WAIT_MS / 1000 + ' s'
        + (ok ? ', the first in ' + ms(echoed[0].at - start) + ' ms.' : ' (at least 1 needed).')
        + (got.length > echoed.length ? ' ' + (got.length - echoed.length) + ' other datagrams arrived.' : ''),
      { sent: DATAGRAMS, received: echoed.length });
    return ok;
  }

  // Everything a WebTransport session receives, as text per incoming stream (uni or bidi, one message per stream
  // or many on a long-lived one) and per datagram; waitFor(needle) resolves when any of them contains needle.
  class WtListener {
    constructor(transport, name) {
      this.name = name;
      this.texts = [];
      this.waiters = [];
      this.datagrams = 0;
      this.pump(transport.incomingUnidirectionalStreams, (s) => s);
      this.pump(transport.incomingBidirectionalStreams, (s) => s.readable);
      const reader = transport.datagrams.readable.getReader();
      this.stopDatagrams = () => reader.cancel().catch(() => {});
      (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) {
            return;
          }
          this.datagrams++;
          this.feed({ text: new TextDecoder().decode(value), via: 'datagram' });
        }
      })().catch(() => {});
    }

    pump(streams, readableOf) {
      (async () => {
        const reader = streams.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) {
            return;
          }
          const entry = { text: '', via: 'stream' };
          this.texts.push(entry);
          const chunks = readableOf(value).getReader();
          const decoder = new TextDecoder();
          (async () => {
            for (;;) {
              const chunk = await chunks.read();
              if (chunk.done) {
                return;
              }
              entry.text += decoder.decode(chunk.value, { stream: true });
              this.feed(entry);
            }
          })().catch(() => {});
        }
      })().catch(() => {});
    }

    feed(entry) {
      entry.at = performance.now();
      if (entry.via === 'datagram') {
        this.texts.push(entry);
      }
      for (const waiter of this.waiters.slice()) {
        if (entry.via === waiter.via && entry.text.includes(waiter.needle)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(entry.at);
        }
      }
    }

    waitFor(needle, via) {
      const hit = this.texts.find((e) => e.via === via && e.text.includes(needle));
      if (hit) {
        return Promise.resolve(hit.at);
      }
      let waiter;
      return withTimeout(new Promise((resolve) => {
        waiter = { needle, via, resolve };
        this.waiters.push(waiter);
      }), 'the message on ' + this.name).finally(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) {
          this.waiters.splice(i, 1);
        }
      });
    }
  }

  // A WebSocket message as text, whether it came as text or as bytes.
  function socketText(data) {
    return typeof data === 'string' ? data : new TextDecoder().decode(data);
  }

  async function socketWaitFor(socket, needle) {
    for (;;) {
      const message = await socket.inbox.next();
      if (socketText(message.data).includes(needle)) {
        return message.at;
      }
    }
  }

  // (f) Channel: sessions A and B and a WebSocket C on demo-wt-<random>. A sends a message on a unidirectional
  // stream (one stream, one message, FIN): B (on any stream) and C must get it. Then C sends one: A must get it.
  // A's datagrams to the channel are counted at B (information only: datagrams may be dropped).
  async function runWtChannel(hashes) {
    const channel = 'demo-wt-' + randomToken();
    const path = channelsPath + channel;
    const opened = [];
    const sessions = [];
    try {
      const a = await openTransport(path, hashes, 'WebTransport session A on ' + channel);
      sessions.push(a);
      const b = await openTransport(path, hashes, 'WebTransport session B on ' + channel);
      sessions.push(b);
      const c = await openSocket(path, 'the WebSocket on ' + channel);
      opened.push(c);
      const listenA = new WtListener(a, 'session A');
      const listenB = new WtListener(b, 'session B');

      const token = randomToken();
      const fromA = 'hello from WebTransport session A on ' + channel + ' (' + token + ')';
      const fromC = 'hello from a WebSocket on ' + channel + ' (' + token + ')';
      const sentAt = performance.now();
      const stream = await withTimeout(a.createUnidirectionalStream(), 'opening a unidirectional stream on A');
      const writer = stream.getWriter();
      await withTimeout(writer.write(encoder.encode(fromA)), 'writing on A\'s stream');
      await withTimeout(writer.close(), 'closing A\'s stream');
      const results = { wtToWt: false, wtToWs: false, wsToWt: false };
      const notes = [];
      const [atB, atC] = await Promise.all([
        listenB.waitFor(fromA, 'stream').then((at) => { results.wtToWt = true; return at; },
          (error) => { notes.push(error.message); return null; }),
        socketWaitFor(c, fromA).then((at) => { results.wtToWs = true; return at; },
          (error) => { notes.push(error.message); return null; }),
      ]);

      const repliedAt = performance.now();
      c.send(fromC);
      const atA = await listenA.waitFor(fromC, 'stream').then((at) => { results.wsToWt = true; return at; },
        (error) => { notes.push(error.message); return null; });

      // Datagrams to the channel: counted, never required.
      const dgWriter = a.datagrams.writable.getWriter();
      const dgToken = 'datagram from A on ' + channel + ' (' + token + ')';
      for (let i = 0; i < DATAGRAMS; i++) {
        await withTimeout(dgWriter.write(encoder.encode(dgToken + ' #' + (i + 1))), 'sending a datagram on A')
          .catch(() => {});
      }
      dgWriter.releaseLock();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const datagramsAtB = listenB.texts.filter((e) => e.via === 'datagram' && e.text.includes(dgToken)).length;
      listenA.stopDatagrams();
      listenB.stopDatagrams();

      const ok = results.wtToWt && results.wtToWs && results.wsToWt;
      const part = (done, what, at, from) => (done ? what + ' in ' + ms(at - from) + ' ms' : what + ': no');
      wtChecks.channel.set(ok ? 'ok' : 'fail',
        (ok ? 'Every message arrived on ' + channel + ': ' : 'Not every message arrived on ' + channel + ': ')
          + [part(results.wtToWt, 'A to B (WebTransport to WebTransport)', atB, sentAt),
            part(results.wtToWs, 'A to the WebSocket', atC, sentAt),
            part(results.wsToWt, 'the WebSocket to A', atA, repliedAt)].join(', ')
          + '. ' + datagramsAtB + ' of ' + DATAGRAMS + ' datagrams from A reached B (they may be dropped).'
          + (notes.length > 0 ? ' ' + notes.map(sentence).join(' ') : ''),
        { channel, wtToWt: results.wtToWt, wtToWs: results.wtToWs, wsToWt: results.wsToWt, datagrams: datagramsAtB });
      return ok;
    } finally {
      for (const socket of opened) {
        socket.close();
      }
      for (const transport of sessions) {
        closeTransport(transport);
      }
    }
  }

  async function runWebTransport() {
    const all = [wtChecks.stream, wtChecks.datagram, wtChecks.channel];
    const unavailable = wtUnavailable();
    if (unavailable) {
      for (const c of all) {
        c.set('off', 'Not run. ' + unavailable);
      }
      wtStatus('The WebTransport demo is off: ' + unavailable);
      return 'off';
    }
    for (const c of all) {
      c.set('running');
    }
    wtStatus('Running the WebTransport demo…');
    const { hashes, how, why } = await certificateHashes();
    section.dataset.webtransportHash = how;
    const trust = how === 'sha-256' ? 'the certificate trusted by its SHA-256 hash'
      : 'no certificate hash (' + why + '), so the certificate must pass the browser\'s usual checks';
    let echoOk = false;
    let transport = null;
    try {
      transport = await openTransport(echoPath, hashes, 'the WebTransport session to ' + echoPath);
    } catch (error) {
      fail(all, error);
      wtStatus('WebTransport failed, with ' + trust + ': ' + error.message + '.');
      return 'fail';
    }
    try {
      const streamOk = await runWtStream(transport).catch((error) => fail([wtChecks.stream], error));
      const datagramOk = await runWtDatagrams(transport).catch((error) => fail([wtChecks.datagram], error));
      echoOk = streamOk && datagramOk;
    } finally {
      closeTransport(transport);
    }
    const channelOk = await runWtChannel(hashes).catch((error) => fail([wtChecks.channel], error));
    const state = echoOk && channelOk ? 'ok' : 'fail';
    wtStatus((state === 'ok' ? 'WebTransport demo finished: every check passed, with '
      : 'WebTransport demo finished: some checks failed (see below), with ') + trust + '.');
    return state;
  }

  let running = false;

  async function run() {
    if (running) {
      return;
    }
    running = true;
    runButton.hidden = true;
    section.dataset.state = 'running';
    section.setAttribute('aria-busy', 'true');
    status('Running the demo…');
    for (const c of [checks.echo, checks.channelWs, checks.channelSse]) {
      c.set('running');
    }
    for (const c of [wtChecks.stream, wtChecks.datagram, wtChecks.channel]) {
      c.set('idle');
    }
    section.dataset.webtransport = 'idle';
    delete section.dataset.webtransportHash;
    wtStatus('Waiting for the WebSocket demo.');
    showProtocol();

    let state;
    let off = typeof WebSocket !== 'function' ? 'This browser has no WebSocket.' : null;
    let echoOk = false;
    if (!off) {
      try {
        echoOk = await runEcho();
      } catch (error) {
        if (error.beforeOpen && await websocketOff()) {
          off = 'WebSocket is off on this server (enable_websocket = false).';
        } else {
          echoOk = fail([checks.echo], error);
        }
      }
    }
    if (off) {
      for (const c of [checks.echo, checks.channelWs, checks.channelSse]) {
        c.set('off', 'Not run. ' + off);
      }
      section.dataset.websocket = 'off';
      state = 'off';
      status('The WebSocket demo is off: ' + off + ' The rest of the site works as usual.');
    } else {
      section.dataset.websocket = 'on';
      const channelOk = await runChannel().catch((error) => fail([checks.channelWs, checks.channelSse], error));
      state = echoOk && channelOk ? 'ok' : 'fail';
      status(state === 'ok' ? 'Demo finished: every check passed.' : 'Demo finished: some checks failed (see below).');
    }
    section.dataset.state = state;

    section.dataset.webtransport = 'running';
    let wtState;
    try {
      wtState = await runWebTransport();
    } catch (error) {
      // A bug in the WebTransport part must not hide the WebSocket demo's result.
      fail([wtChecks.stream, wtChecks.datagram, wtChecks.channel], error);
      wtStatus('The WebTransport demo stopped: ' + error.message);
      wtState = 'fail';
    }
    section.dataset.webtransport = wtState;
    section.removeAttribute('aria-busy');
    runButton.hidden = false;
    running = false;
  }

  runButton.addEventListener('click', run);
  run();
})();
