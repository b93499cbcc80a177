/**
 * Loaded with a second `--import` by the bench: on SIGUSR2 the process prints its own CPU time
 * (process.cpuUsage(), microseconds of user and system time) so the bench can divide it by requests.
 */
process.on("SIGUSR2", () => {
  const { user, system } = process.cpuUsage();
  console.log(`[cpu] ${user + system}`);
});
