import type { Command } from '../command';
import { infoCommand } from './info';
import { serveCommand } from './serve';

/** Every subcommand, in --help order. Add new commands here. */
export const COMMANDS: Command[] = [infoCommand, serveCommand];
