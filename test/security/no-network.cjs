// Preloaded (node --require) into Electronegativity's CLI by electronegativity.test.ts.
// The CLI looks translations up on S3 (twice, with retries) and Electron's
// releases up on GitHub; here 'got' fails at once instead, so the scan is
// offline, deterministic and takes ~1 s instead of waiting for timeouts.
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
