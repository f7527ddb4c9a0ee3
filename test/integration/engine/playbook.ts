/**
 * The engine acceptance playbook: every operation kind, more than 30
 * operations per host, three stages (parallel, serial with a health check,
 * dependent on the first host). Everything it manages is named after
 * `vars.app` (user, group, service, /opt/<app>, /etc/<app>), so the same
 * playbook can converge the same hosts again from scratch under another name.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  command, defineRole, directory, file, flushHandlers, group, lineInFile, packages, restart, reload, service, template, user, waitUntil,
  type Playbook,
} from '../../../src/engine/index.js';

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');

export interface Vars {
  port: number;
  password: string;
  /** Name of everything the playbook manages; default m1eng. */
  app?: string;
}

export function acceptancePlaybook(hosts: string[], vars: Vars): Playbook {
  const name = vars.app ?? 'm1eng';
  const app = `${name}-app`;
  const opt = `/opt/${name}`;
  const etc = `/etc/${name}`;
  const common = defineRole('common', (h) => [
    group({ group: app, system: true }),
    user({ user: app, system: true, group: app, home: `/var/lib/${app}`, shell: '/bin/sh' }),
    packages({ names: ['tree', 'less'] }),
    directory({ path: opt, mode: '0755' }),
    directory({ path: `${opt}/conf.d`, mode: '0755' }),
    directory({ path: `${opt}/data`, owner: app, group: app, mode: '0750' }),
    directory({ path: `${opt}/log`, owner: app, group: app, mode: '0750' }),
    directory({ path: etc, mode: '0755' }),
    ...[1, 2, 3, 4].map((i) => file({ path: `${opt}/conf.d/${i}.conf`, content: `setting_${i} = ${i * 10}\n`, mode: '0644' })),
    file({ path: `${opt}/VERSION`, content: '1.0\n', owner: app, group: app, mode: '0640' }),
    file({ path: `${etc}/password`, content: `${vars.password}\n`, owner: 'root', group: app, mode: '0640', sensitive: true }),
    template({ path: `${etc}/app.conf`, src: join(fixtures, 'app.conf.hbs'), vars: { host: h.host, listen: '*', port: vars.port, peers: hosts.filter((x) => x !== h.host) }, notify: reload(app) }),
    template({ path: `${etc}/secret.conf`, src: join(fixtures, 'secret.conf.hbs'), vars: { user: app, password: vars.password }, mode: '0600', notify: restart(app) }),
    template({ path: `/etc/systemd/system/${app}.service`, src: join(fixtures, 'app.service.hbs'), vars: { user: app }, notify: restart(app) }),
    lineInFile({ path: `${etc}/limits.conf`, line: 'nofile = 1024', create: true }),
    lineInFile({ path: `${etc}/limits.conf`, line: 'nproc = 64', regexp: /^nproc\s*=/ }),
    lineInFile({ path: `${etc}/limits.conf`, line: 'core = 0', insertAfter: /^nofile/ }),
    lineInFile({ path: `${etc}/limits.conf`, line: 'obsolete = 1', state: 'absent' }),
    command({ name: 'initialise data', cmd: `echo initialised > ${opt}/data/initialised && chown ${app}: ${opt}/data/initialised`, creates: `${opt}/data/initialised` }),
    command({ name: 'link current', cmd: `ln -sfn ${opt} ${opt}-current`, unless: `test -L ${opt}-current` }),
    command({ name: 'store token', cmd: `cat > ${etc}/token && chmod 600 ${etc}/token`, stdin: `token:${vars.password}\n`, creates: `${etc}/token` }),
    command({ name: 'set app password', cmd: 'chpasswd', stdin: `${app}:${vars.password}\n`, unless: `test -e ${opt}/data/password-set` }),
    command({ name: 'mark password set', cmd: `touch ${opt}/data/password-set`, creates: `${opt}/data/password-set` }),
    flushHandlers(),
    service({ service: app, enabled: true, state: 'started' }),
    service({ service: 'ssh', enabled: true, state: 'started' }),
    waitUntil({ name: 'app is running', cmd: `systemctl is-active --quiet ${app}`, timeoutMs: 20_000, intervalMs: 200 }),
  ]);
  const rolling = defineRole('rolling', async function* (h) {
    const os = await h.facts.os();
    yield [
      file({ path: `${etc}/os`, content: `${os.id} ${os.versionId}\n` }),
      lineInFile({ path: `${etc}/rolling.conf`, line: `host = ${h.host}`, create: true }),
    ];
    yield command({ name: 'mark rolled', cmd: `date > ${etc}/rolled`, creates: `${etc}/rolled` });
  });
  const after = defineRole('after-first', () => [file({ path: `${etc}/after-first`, content: `follows ${hosts[0]}\n` })]);
  return {
    name: 'engine-acceptance',
    stages: [
      { name: 'base', hosts, roles: [common] },
      {
        name: 'rolling',
        hosts,
        roles: [rolling],
        serial: true,
        healthCheck: () => [waitUntil({ name: 'app healthy', cmd: `systemctl is-active --quiet ${app}`, timeoutMs: 10_000 })],
      },
      { name: 'followers', hosts: hosts.slice(1), roles: [after], dependsOn: [hosts[0]!] },
    ],
  };
}
