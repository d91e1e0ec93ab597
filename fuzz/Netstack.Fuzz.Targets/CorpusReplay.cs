namespace Netstack.Fuzz;

/// <summary>Runs a target on saved inputs (files, or every file under folders) and reports each one that throws.</summary>
public static class CorpusReplay
{
    /// <summary>The input files under <paramref name="paths"/> (files as given, folders recursively, in name order; afl's README.txt skipped).</summary>
    public static IEnumerable<string> Files(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                foreach (string file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "README.txt").Order(StringComparer.Ordinal))
                {
                    yield return file;
                }
            }
            else
            {
                yield return path;
            }
        }
    }

    /// <summary>Replays every input; writes one line per crash and a summary to <paramref name="log"/>; returns 0 when none crashed, else 1.</summary>
    public static int Run(string target, IEnumerable<string> paths, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        int runs = 0, crashes = 0;
        foreach (string file in Files(paths))
        {
            runs++;
            try
            {
                FuzzTargets.Run(target, File.ReadAllBytes(file));
            }
#pragma warning disable CA1031 // Every exception is a finding to report, whatever its type.
            catch (Exception e)
#pragma warning restore CA1031
            {
                crashes++;
                log.WriteLine($"CRASH {file}: {e}");
            }
        }
        log.WriteLine($"{target}: {runs} inputs, {crashes} crashed");
        return crashes == 0 ? 0 : 1;
    }
}
