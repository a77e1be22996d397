// npm `postinstall` of the project itself: drops the `node` link the agent's runtime package
// makes in node_modules/.bin (see unlinkRuntimeBin in setup.mjs for why).
import { unlinkRuntimeBin } from './setup.mjs';

unlinkRuntimeBin();
