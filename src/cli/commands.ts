import type { Command } from 'commander';
import type { RunState } from './program.js';
import { register as configure } from './configure.js';
import { register as validate } from './validate.js';
import { register as provision } from './provision.js';
import { register as deprovision } from './deprovision.js';
import { register as deploy } from './deploy.js';
import { register as showPassword } from './showPassword.js';
import { register as rotatePassword } from './rotatePassword.js';
import { register as status } from './status.js';
import { register as switchover } from './switchover.js';
import { register as test } from './test.js';
import { register as drill } from './drill.js';
import { register as pause } from './pause.js';
import { register as resume } from './resume.js';
import { register as backup } from './backup.js';
import { register as backups } from './backups.js';
import { register as rejoin } from './rejoin.js';
import { register as removeNode } from './removeNode.js';
import { register as upgrade } from './upgrade.js';
import { register as restore } from './restore.js';

export type Register = (program: Command, state: RunState) => void;

/** Every m1 command, in the order `m1 --help` lists them. */
export const commands: Register[] = [configure, validate, provision, deprovision, deploy, showPassword, rotatePassword, status, switchover, upgrade, rejoin, removeNode, pause, resume, backup, backups, restore, test, drill];
