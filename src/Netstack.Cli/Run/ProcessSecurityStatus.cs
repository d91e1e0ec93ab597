using System.Globalization;

namespace Netstack.Cli.Run;

/// <summary>
/// The security fields of a <c>/proc/PID/status</c> (or <c>/proc/PID/task/TID/status</c>) file (proc(5)): effective
/// capabilities, the no_new_privs bit and the seccomp mode, as the sandbox sets them and tests check them.
/// </summary>
/// <param name="CapEff">The effective capability set (CapEff, a hex mask).</param>
/// <param name="NoNewPrivs">The no_new_privs bit (NoNewPrivs: 0 or 1).</param>
/// <param name="Seccomp">The seccomp mode (Seccomp: 0 none, 1 strict, 2 filter).</param>
/// <param name="SeccompFilters">How many filters are attached (Seccomp_filters, Linux 5.9 and later; null before).</param>
internal sealed record ProcessSecurityStatus(ulong CapEff, int NoNewPrivs, int Seccomp, int? SeccompFilters)
{
    /// <summary>Seccomp mode 2: SECCOMP_MODE_FILTER.</summary>
    public const int SeccompModeFilter = 2;

    /// <summary>Reads <c>/proc/<paramref name="pid"/>/status</c> (the thread group leader's view).</summary>
    public static ProcessSecurityStatus Read(int pid) =>
        Parse(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"));

    /// <summary>
    /// Reads the status of every thread of process <paramref name="pid"/> (its <c>/proc/PID/task/*</c>). A thread that
    /// ends between the listing and the read is left out.
    /// </summary>
    public static IReadOnlyList<(int ThreadId, ProcessSecurityStatus Status)> ReadThreads(int pid)
    {
        var threads = new List<(int, ProcessSecurityStatus)>();
        foreach (string directory in Directory.EnumerateDirectories($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int thread))
            {
                continue;
            }
            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(directory, "status"));
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
            {
                continue; // the thread has exited (ESRCH reads as an IOException)
            }
            threads.Add((thread, Parse(text)));
        }
        return threads;
    }

    /// <summary>Parses the text of a status file; <see cref="FormatException"/> when a field other than Seccomp_filters is missing.</summary>
    public static ProcessSecurityStatus Parse(string statusText)
    {
        ArgumentNullException.ThrowIfNull(statusText);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in statusText.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                fields[line[..colon]] = line[(colon + 1)..].Trim();
            }
        }
        return new ProcessSecurityStatus(
            ulong.Parse(Field(fields, "CapEff"), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture),
            int.Parse(Field(fields, "NoNewPrivs"), NumberStyles.None, CultureInfo.InvariantCulture),
            int.Parse(Field(fields, "Seccomp"), NumberStyles.None, CultureInfo.InvariantCulture),
            fields.TryGetValue("Seccomp_filters", out string? filters) ? int.Parse(filters, NumberStyles.None, CultureInfo.InvariantCulture) : null);
    }

    private static string Field(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out string? value) ? value : throw new FormatException($"/proc status has no {name} field");
}
