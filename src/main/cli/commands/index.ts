import type { CliCommand } from '../command';
import { dmCommand } from './dm';

/**
 * The registry of subcommands, in the order `--help` lists them. Each module under this folder
 * exports one CliCommand; add it here.
 */
export const commands: CliCommand[] = [dmCommand];
