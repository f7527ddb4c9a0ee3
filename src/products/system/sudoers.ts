/**
 * Every sudoers file m1 installs is checked by visudo first: a file sudo
 * cannot parse makes sudo refuse every rule, root's included, on that host.
 * The content goes on stdin, so nothing unchecked ever lands in
 * /etc/sudoers.d (where sudo would read it at once).
 */
import { argv } from '../../engine/shell/quote.js';

/** Exits 0 when visudo parses the sudoers text on its stdin; otherwise names the line it refuses. */
export const VISUDO_CHECK = argv('/usr/sbin/visudo', '-c', '-f', '-');
