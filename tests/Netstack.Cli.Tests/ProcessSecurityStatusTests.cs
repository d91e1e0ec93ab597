using Netstack.Cli.Run;

namespace Netstack.Cli.Tests;

/// <summary>The /proc/PID/status reader the sandbox tests rely on.</summary>
public class ProcessSecurityStatusTests
{
    [Fact]
    public void Parses_the_security_fields()
    {
        const string text = "Name:\tnetstack\nUmask:\t0022\nCapEff:\t000001ffffffffff\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\nSpeculation_Store_Bypass:\tthread vulnerable\n";
        Assert.Equal(new ProcessSecurityStatus(0x1ff_ffff_ffff, 1, 2, 1), ProcessSecurityStatus.Parse(text));
    }

    [Fact]
    public void Seccomp_filters_is_optional_and_the_rest_is_not()
    {
        Assert.Null(ProcessSecurityStatus.Parse("CapEff:\t0\nNoNewPrivs:\t0\nSeccomp:\t0\n").SeccompFilters);
        Assert.Throws<FormatException>(() => ProcessSecurityStatus.Parse("CapEff:\t0\nSeccomp:\t0\n"));
    }

    [Fact]
    public void Reads_this_process_and_its_threads_unconfined()
    {
        if (!File.Exists("/proc/self/status"))
        {
            return; // not Linux
        }
        ProcessSecurityStatus self = ProcessSecurityStatus.Read(Environment.ProcessId);
        Assert.Equal(0, self.Seccomp); // the test host must never be sandboxed
        IReadOnlyList<(int ThreadId, ProcessSecurityStatus Status)> threads = ProcessSecurityStatus.ReadThreads(Environment.ProcessId);
        Assert.Contains(threads, t => t.ThreadId == Environment.ProcessId);
        Assert.All(threads, t => Assert.Equal(self.CapEff, t.Status.CapEff));
    }
}
