namespace Netstack.Interop.Tests.Infrastructure;

/// <summary>What the machine offers the interop tests: root, the TUN driver, and the peer programs.</summary>
public static class TestEnvironment
{
    public const string RootAndTunReason = "needs root and /dev/net/tun";

    /// <summary>True on Linux as root with /dev/net/tun present and the <c>ip</c> tool available.</summary>
    public static bool HasRootAndTun { get; } =
        OperatingSystem.IsLinux()
        && Environment.IsPrivilegedProcess
        && File.Exists("/dev/net/tun")
        && FindProgram("ip") is not null;

    /// <summary>The full path of <paramref name="program"/> on PATH (or /usr/sbin, /sbin), or null.</summary>
    public static string? FindProgram(string program)
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (string dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]))
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
