// Carbon's landing page demo: which protocol served the page, the WebSocket echo with round-trip times, and a
// channel joined over WebSocket and Server-Sent Events at once. Same origin only (CSP default-src 'self').
// Every result is also in the DOM for tests: data-state on #demo (idle, running, ok, fail, off) and on each
// .check (the same, and unknown for a protocol the browser does not tell), plus data-* values on the checks:
// protocol and tls; messages, unchanged, rtt-min and rtt-median (ms); channel, received and last-event-id.
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
        if (state === 'running') {
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
    section.removeAttribute('aria-busy');
    runButton.hidden = false;
    running = false;
  }

  runButton.addEventListener('click', run);
  run();
})();
