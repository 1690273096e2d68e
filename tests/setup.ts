// Runs in every test file: a process a test started never outlives its file, even when the test failed or timed out.
import { afterAll } from 'vitest'
import { killAll } from './helpers/processes.js'

afterAll(async () => {
  await killAll()
})
