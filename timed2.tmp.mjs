const w = process.stdout.write.bind(process.stdout);
let tSummary = 0;
process.stdout.write = (s, ...a) => { if (String(s).startsWith('deploy ')) tSummary = performance.now(); return w(s, ...a); };
const { main } = await import('/work/main/dist/src/cli/main.js');
const t1 = performance.now();
let t2 = 0;
process.on('exit', () => process.stderr.write(`main imported ${t1.toFixed(0)}; summary ${tSummary.toFixed(0)}; main resolved ${t2.toFixed(0)}; exit ${performance.now().toFixed(0)}\n`));
main(['node', 'm1', ...process.argv.slice(2)], 0).then((c) => { t2 = performance.now(); process.exitCode = c; });
