namespace Netstack.Cli.Run;

/// <summary>The namespace <c>netstack attach</c> serves: a namespace file (<c>--netns</c>) or a process's (<c>--pid</c>).</summary>
public sealed record AttachTarget(string NetnsPath, int? Pid)
{
    /// <summary>What <see cref="NamespaceWatch"/> watches to tell when the namespace is gone.</summary>
    public string WatchSpec => Pid is int pid ? NamespaceWatch.ForPid(pid) : NetnsPath;

    /// <summary>
    /// The nsenter(1) options that enter it: the network namespace, and for a process whose user namespace is not
    /// ours (a rootless container) that user namespace too, keeping our credentials (the network namespace's
    /// owner must grant CAP_NET_ADMIN for the TUN device).
    /// </summary>
    public IReadOnlyList<string> NsenterOptions()
    {
        var options = new List<string> { "--net=" + NetnsPath };
        if (Pid is int pid)
        {
            string theirs = $"/proc/{pid}/ns/user";
            string? their = LinkOf(theirs);
            if (their is not null && their != LinkOf("/proc/self/ns/user"))
            {
                options.Add("--user=" + theirs);
                options.Add("--preserve-credentials");
            }
        }
        return options;
    }

    private static string? LinkOf(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
