import { ADMIN_SCENARIOS } from './scenarios-admin.mjs';
import { ASK_SCENARIOS } from './scenarios-ask.mjs';
import { BROWSE_SCENARIOS } from './scenarios-browse.mjs';

/** In order: later scenarios use the admin page and the decisions of earlier ones. */
export const SCENARIOS = [...ASK_SCENARIOS, ...BROWSE_SCENARIOS, ...ADMIN_SCENARIOS];
