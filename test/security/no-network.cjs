// Preloaded (node --require) into Electronegativity's CLI by electronegativity.test.ts.
// The CLI looks translations up on S3 (twice, with retries) and Electron's
// releases up on GitHub; here 'got' fails at once instead, so the scan is
// offline, deterministic and takes ~1 s instead of waiting for timeouts.
// It also puts the CLI's own file writes in order (see the end).
'use strict';
const Module = require('node:module');

const originalLoad = Module._load;
Module._load = function load(request, parent, isMain) {
  if (request === 'got') {
    const offline = () => Promise.reject(new Error('network disabled for this test run'));
    offline.get = offline;
    offline.head = offline;
    return offline;
  }
  return originalLoad.call(this, request, parent, isMain);
};

// The CLI writes its CSV with two racing fs.writeFile calls (the header, which
// truncates the file, and the findings, appended): under load the header can
// land last and erase the findings. Run its writes in the order they are made.
const fs = require('node:fs');
fs.writeFile = function writeFileInOrder(file, data, options, callback) {
  const done = typeof options === 'function' ? options : callback;
  const opts = typeof options === 'function' ? undefined : options;
  let error = null;
  try {
    fs.writeFileSync(file, data, opts);
  } catch (e) {
    error = e;
  }
  if (done) process.nextTick(done, error);
};
