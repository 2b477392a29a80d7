/**
 * Logs `count` lines through serviceLogger, then ends as told: `exit` (serviceLogger's exit,
 * as the services' shutdown does) or `return` (the event loop runs dry). For logger.test.ts.
 */
import { serviceLogger } from '../../services/shared/logger.js';

const [how, count] = process.argv.slice(2);
const { logger, exit } = serviceLogger('log-lines', 'info');
for (let i = 0; i < Number(count); i++) logger.info({ i, text: 'déjà vu, 日本語 ✓' }, 'line');
if (how === 'exit') exit(0);
