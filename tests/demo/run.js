'use strict';
// The local demo: the real app in the local test bed. Two modes:
//   node tests/demo/run.js [days]    console: seeds a project with two boards in different zones,
//                                    configures them through the real resolvers, then runs the
//                                    scheduled check every 5 simulated minutes over a few days and
//                                    prints what the app did (its own log lines).
//   node tests/demo/run.js --serve [--port 8080] [--speed 3600]
//                                    web: the three Custom UI pages on http://127.0.0.1:PORT on a fast
//                                    simulated clock (tests/demo/server.js).
const { startTestbed } = require('../testbed');

const DAY = 24 * 3600 * 1000;
const TICK = 5 * 60 * 1000;

async function main() {
  const days = Number(process.argv[2] || 16);
  const bed = await startTestbed({ clockStart: '2026-03-20T08:00:00Z', sprintEvents: 'immediate' });
  try {
    const j = bed.jira;
    j.addProject({ key: 'DEMO', name: 'Demo project' });
    j.addUser({ accountId: 'demo-admin', jiraAdmin: true });
    const boards = [
      { name: 'Berlin team', zone: 'Europe/Berlin', startTime: '09:00', closeTime: '17:00', carryOver: 'nextSprint' },
      { name: 'New York team', zone: 'America/New_York', startTime: null, closeTime: null, carryOver: 'backlog' },
    ];
    await bed.runLifecycle('installed');
    for (const b of boards) {
      const board = j.addBoard({ name: b.name, projectKey: 'DEMO' });
      b.id = board.id;
      const s1 = j.addSprint({ boardId: board.id, name: `${b.name.split(' ')[0]} 1`, startDate: '2026-03-16T08:00:00Z', endDate: '2026-03-27T16:00:00Z' });
      j.updateSprint(s1.id, { state: 'active' });
      j.addSprint({ boardId: board.id, name: `${b.name.split(' ')[0]} 2`, startDate: '2026-03-30T07:00:00Z', endDate: '2026-04-10T15:00:00Z' });
      for (let i = 0; i < 6; i++) j.addIssue({ projectKey: 'DEMO', summary: `Story ${i}`, statusId: i < 4 ? '10002' : '10001', sprintId: s1.id });
      const r = await bed.invokeResolver('updateBoardSettings', {
        projectKey: 'DEMO', boardId: board.id,
        settings: { automate: true, autoStart: true, autoClose: true, carryOver: b.carryOver, timeZone: b.zone,
          startTime: b.startTime, closeTime: b.closeTime, workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], holidays: [], keepAhead: 0 },
      }, { accountId: 'demo-admin' });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
    }
    console.log(`Demo: project DEMO, boards ${boards.map((b) => `${b.id} "${b.name}" (${b.zone})`).join(', ')}`);
    console.log(`Running the scheduled check every 5 simulated minutes for ${days} days...\n`);
    const end = bed.clock.now() + days * DAY;
    let ticks = 0;
    let printed = 0;
    const callsBefore = j.requests.length;
    while (bed.clock.now() < end) {
      await bed.runScheduled('sprint-check');
      await bed.settle();
      await bed.queue.drain();
      ticks++;
      for (const line of bed.consoleLines.slice(printed)) {
        try {
          const e = JSON.parse(line);
          console.log(`${e.time}  ${e.level.padEnd(5)} ${e.reason.padEnd(24)} ${e.message}`);
        } catch { /* not a log line */ }
      }
      printed = bed.consoleLines.length;
      bed.clock.advance(TICK);
    }
    console.log(`\n${ticks} ticks, ${j.requests.length - callsBefore} Jira calls in all.`);
    for (const b of boards) {
      console.log(`${b.name}: ${j.sprintsOfBoard(b.id).map((s) => `${s.name} [${s.state}]`).join(', ')}`);
    }
  } finally {
    await bed.close();
  }
}

if (process.argv.includes('--serve')) {
  require('./server').main(process.argv.slice(2)).catch((e) => { console.error(e); process.exitCode = 1; });
} else {
  main().catch((e) => { console.error(e); process.exitCode = 1; });
}
