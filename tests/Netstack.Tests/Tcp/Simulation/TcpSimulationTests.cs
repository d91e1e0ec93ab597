using System.Text;

namespace Netstack.Tests.Tcp.Simulation;

/// <summary>
/// Deterministic simulation: seeded scenarios of one to three TCP connections between two stacks
/// over an impaired in-memory link (loss, duplication, reordering, corruption, delay and jitter) in
/// virtual time, with random transfer sizes, chunk patterns and close patterns. Every byte is
/// checked against its source, every connection's end state against the close pattern, and the
/// packet pool for leaks. A failing seed prints its scenario; replay it with <see cref="Replay"/>.
/// </summary>
public class TcpSimulationTests
{
    public const int ScenarioCount = 1000;

    /// <summary>Seeds that still fail on a known, unfixed bug (none at the moment); list them here with a replay case saying why.</summary>
    private static readonly HashSet<int> KnownFailing = [];

    [Fact]
    public void Simulation_AllSeeds()
    {
        var failures = new List<string>();
        for (int seed = 1; seed <= ScenarioCount; seed++)
        {
            if (KnownFailing.Contains(seed))
            {
                continue;
            }
            string? failure = RunScenario(seed);
            if (failure is not null)
            {
                failures.Add(failure);
            }
        }
        if (failures.Count > 0)
        {
            var message = new StringBuilder();
            message.Append($"{failures.Count} of {ScenarioCount} scenarios failed (seeds: ");
            message.AppendJoin(", ", failures.Select(f => f[..f.IndexOf(':', StringComparison.Ordinal)]));
            message.Append(")\n\n");
            foreach (string f in failures.Take(5))
            {
                message.Append(f).Append("\n\n");
            }
            Assert.Fail(message.ToString());
        }
    }

    /// <summary>Replays single seeds (add a failing seed here to debug it).</summary>
    [Theory]
    [InlineData(9)]   // was: lost window update with SWS-held data and nothing in flight stalled forever
    [InlineData(24)]  // same
    [InlineData(26)]  // was: data segments carrying SACK blocks exceeded the MTU and died as DF
    [InlineData(61)]  // same
    [InlineData(264)] // was: SACK recovery marked a whole MSS as retransmitted after sending a SACK-shrunk one
    [InlineData(784)] // same
    [InlineData(966)] // same
    [InlineData(126)] // was: after go-back-N both ends sent ACKs numbered below what the peer had, each dropped the other's
    [InlineData(224)] // same
    [InlineData(489)] // same
    [InlineData(617)] // same
    [InlineData(683)] // was: a fast retransmit with less than an MSS outstanding resent unsent bytes past SND.MAX
    public void Replay(int seed)
    {
        string? failure = RunScenario(seed);
        Assert.True(failure is null, failure);
    }

    /// <summary>Runs one seed; returns null on success, else the seed, the scenario and what went wrong.</summary>
    internal static string? RunScenario(int seed)
    {
        SimScenario scenario = SimScenario.Generate(seed);
        var world = new SimWorld(scenario);
        string? failure = null;
        try
        {
            world.Run();
        }
        catch (Exception e)
        {
            failure = $"seed {seed}: {(e is SimulationException ? e.Message : e.ToString())}\n{world.Describe()}{scenario}";
        }
        finally
        {
            world.Dispose();
        }
        if (failure is null && world.Outstanding != 0)
        {
            failure = $"seed {seed}: {world.Outstanding} packet buffers leaked\n{scenario}";
        }
        return failure;
    }
}
