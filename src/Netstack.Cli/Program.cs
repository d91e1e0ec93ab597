using Netstack.Cli;

// The forwarder (run, attach and their re-executed __forward) moves packets on its own threads and hands the thread
// pool only rare work (dials, timers), so pool workers spinning in sched_yield before they sleep only took CPU from
// the data path: about a tenth of the forwarder's CPU under ab (perf). The in-process bench is the opposite, its
// application tasks are pool work, and spinning makes it 15-20 % faster; so the setting is per command, read by the
// pool when it starts, which is after this line.
if (args.Length > 0 && args[0] is "run" or "attach" or "__forward")
{
    AppContext.SetData("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", 0);
}

return NetstackCli.Run(args, Console.Out, Console.Error);
