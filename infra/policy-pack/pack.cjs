// Entry point Pulumi's policy runner loads. The runner `require()`s the pack and only knows how to
// compile TypeScript to CommonJS (ts-node), while this repository is ESM TypeScript; so the pack is
// handed to tsx, exactly as Pulumi.yaml does for the program (nodeargs "--import tsx"). The runner
// awaits the function's promise; importing index.ts constructs the PolicyPack.
'use strict';

module.exports = async function loadPolicyPack() {
  const { tsImport } = require('tsx/esm/api');
  await tsImport('./index.ts', __filename);
};
