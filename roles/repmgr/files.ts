/** repmgr's files on a node, as engine operations (also written before a clone, which reads repmgr.conf). */
import type { DeployContext } from '../context.js';
import { directory, file, restart, type Operation } from '../../src/engine/index.js';
import type { Cluster, Instance } from '../../src/inventory/cluster.js';
import { clusterVar } from '../../src/config/vars.js';
import { NOTIFY_PATH, notifyScript } from '../../src/products/notify/notify.js';
import { POSTGRES_GROUP, POSTGRES_USER } from '../../src/products/postgres/layout.js';
import { REPMGR_SERVICE, REPMGR_UNIT_PATH, followScriptPath, promoteScriptPath, repmgrConfDir, repmgrConfPath } from '../../src/products/repmgr/layout.js';
import { repmgrConf } from '../../src/products/repmgr/repmgrConf.js';
import { followScript, promoteScript } from '../../src/products/repmgr/scripts.js';
import { repmgrServiceUnit } from '../../src/products/repmgr/service.js';

/** `notify`: restart repmgrd when repmgr.conf or the unit changes (not before the node is registered). */
export function repmgrFileOps(ctx: DeployContext, i: Instance, notify = false): Operation[] {
  const v = ctx.cluster.postgresVersion;
  const own = { owner: POSTGRES_USER, group: POSTGRES_GROUP };
  const n = notify ? restart(REPMGR_SERVICE) : undefined;
  return [
    directory({ path: repmgrConfDir(v), ...own, mode: '0755' }),
    file({ path: repmgrConfPath(v), content: repmgrConf(ctx.cluster, i), ...own, mode: '0644', notify: n }),
    file({ path: promoteScriptPath(v), content: promoteScript(ctx.cluster, i), ...own, mode: '0755' }),
    file({ path: followScriptPath(v), content: followScript(ctx.cluster, i), ...own, mode: '0755' }),
    file({ path: REPMGR_UNIT_PATH, content: repmgrServiceUnit(v), owner: 'root', group: 'root', mode: '0644', notify: n }),
    notifyFileOp(ctx.cluster),
  ];
}

/** m1-notify, where notification_command is set; removed where it no longer is. */
export function notifyFileOp(cluster: Cluster): Operation {
  const command = clusterVar(cluster, 'notification_command');
  return command === undefined
    ? file({ path: NOTIFY_PATH, state: 'absent' })
    : file({ path: NOTIFY_PATH, content: notifyScript(command), owner: 'root', group: 'root', mode: '0755' });
}
