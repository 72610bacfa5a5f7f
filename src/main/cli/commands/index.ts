import type { CliCommand } from '../command';

/**
 * The registry of subcommands, in the order `--help` lists them. Each module under this folder
 * exports one CliCommand; add it here.
 */
export const commands: CliCommand[] = [];

import { webCommand } from './web';
commands.push(webCommand);
import { catalogCommand } from './catalog';
import { historyCommand } from './history';
commands.push(catalogCommand, historyCommand);
import { dmCommand } from './dm';
commands.push(dmCommand);
import { simulateCommand } from '../../demo/simulate-command';
commands.push(simulateCommand);
import { devicesCommand } from './devices';
import { updateCommand } from './update';
commands.push(devicesCommand, updateCommand);
import { pinCommand } from './pin';
commands.push(pinCommand);
import { accountsCommand } from './accounts';
commands.push(accountsCommand);
import { settingsCommand } from './settings';
commands.push(settingsCommand);
import { portsCommand } from './ports';
commands.push(portsCommand);
