using Netstack.Fuzz;

namespace Netstack.Tests.Fuzz;

/// <summary>
/// The fuzzing regression suite: every input in the committed corpus (fuzz/corpus/&lt;target&gt;, afl-cmin'd from the
/// afl++ campaigns, crashing inputs of fixed bugs included) and the hand-made seeds run through their target
/// in-process, without afl. A target throws on any exception escaping the stack and on its invariants (no leaked
/// pooled buffer, a reassembled datagram equal to the one sent, header round trips), so a regression fails here.
/// </summary>
public class CorpusReplayTests
{
    public static TheoryData<string> Targets() => [.. FuzzTargets.Names];

    [Theory]
    [MemberData(nameof(Targets))]
    public void The_committed_corpus_replays_without_a_crash(string target)
    {
        string folder = Path.Combine(RepositoryRoot(), "fuzz", "corpus", target);
        Assert.True(Directory.Exists(folder), $"{folder} is missing");
        string[] files = [.. CorpusReplay.Files([folder])];
        Assert.True(files.Length >= 10, $"{folder} holds {files.Length} inputs; the corpus is missing");
        var log = new StringWriter();
        int status = CorpusReplay.Run(target, files, log);
        Assert.True(status == 0, log.ToString());
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void The_seeds_replay_without_a_crash(string target)
    {
        foreach ((string name, byte[] input) in FuzzTargets.Seeds(target))
        {
            Exception? failure = Record.Exception(() => FuzzTargets.Run(target, input));
            Assert.True(failure is null, $"seed {name}: {failure}");
        }
    }

    [Fact]
    public void An_unknown_target_is_refused() =>
        Assert.Throws<ArgumentException>(() => FuzzTargets.Run("no-such-target", []));

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Netstack.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Netstack.slnx not found above " + AppContext.BaseDirectory);
    }
}
