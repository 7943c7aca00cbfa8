// Starts telegram-test-api (the npm Bot API emulator) on 127.0.0.1:<port> for the tests.
// The package ships no start script of its own; tests/telegram/emulator.py runs this one and
// waits for the "listening" line. SIGTERM stops the server cleanly.
'use strict';

const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: node start_emulator.js PORT\n');
  process.exit(2);
}
// storeTimeout: keep unread messages for the whole test session.
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 3600 });
server.start().then(
  () => process.stdout.write(`listening ${server.config.apiURL}\n`),
  (error) => {
    process.stderr.write(`cannot start: ${error}\n`);
    process.exit(1);
  },
);
const stop = () => server.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
