// Reads a JSON Lines batch written by bench/iam_simulate.py (one iam-simulate Simulation a line),
// runs each through @cloud-copilot/iam-simulate's runSimulation (strict mode), one after the other,
// and prints one line per request: the overall result, or "error: ..." when the simulation refused it.
import { readFileSync } from 'node:fs'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const lines = readFileSync(process.argv[2], 'utf8').split('\n').filter((line) => line.trim())
const out = []
for (const line of lines) {
  const result = await runSimulation(JSON.parse(line), { simulationMode: 'Strict' })
  out.push(result.resultType === 'error' ? `error: ${result.errors.message}` : result.overallResult)
}
process.stdout.write(out.join('\n') + '\n')
