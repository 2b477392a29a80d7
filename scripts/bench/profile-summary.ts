/**
 * Summarises V8 .cpuprofile files (from `BENCH_CPU_PROF=1 npm run bench`): self time by
 * function and by package, so a report can say where the time went.
 *   npx tsx scripts/bench/profile-summary.ts bench/profiles/*.cpuprofile
 */
import fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

for (const file of process.argv.slice(2)) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    nodes: Node[];
    samples: number[];
    timeDeltas: number[];
  };
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...byNode.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    const where = node.callFrame.url
      .replace(/^file:\/\/.*?\/(node_modules\/)?/, '')
      .replace(/^node:/, 'node:');
    const key = `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const pkg =
      /node_modules\/((@[^/]+\/)?[^/]+)/.exec(node.callFrame.url)?.[1] ??
      (node.callFrame.url.startsWith('node:')
        ? 'node internals'
        : node.callFrame.url
          ? 'project'
          : node.callFrame.functionName || '(vm)');
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  console.log(
    `\n${file} (${(total / 1e6).toFixed(1)} s sampled)\nby package:\n${top(byPackage, 12).join('\n')}\nby function:\n${top(byFunction, 25).join('\n')}`,
  );
}
