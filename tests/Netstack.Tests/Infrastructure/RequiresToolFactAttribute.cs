namespace Netstack.Tests.Infrastructure;

/// <summary>
/// A <c>[Fact]</c> that is skipped, with a message saying why, when an external program it drives (tshark,
/// iperf3, socat, ...) is not on PATH. xunit 2 has no runtime skip, so the attribute decides in its constructor.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequiresToolFactAttribute : FactAttribute
{
    public RequiresToolFactAttribute(params string[] tools)
    {
        Tools = tools;
        foreach (string tool in tools)
        {
            if (ToolPath.Find(tool) is null)
            {
                Skip = $"'{tool}' is not on PATH; install it to run this test.";
                return;
            }
        }
    }

    public IReadOnlyList<string> Tools { get; }
}

/// <summary>Finds executables on PATH, then in /usr/sbin and /sbin (daemons such as danted live there and a non-login PATH may lack them).</summary>
public static class ToolPath
{
    /// <summary>The full path of <paramref name="tool"/> on PATH, or null.</summary>
    public static string? Find(string tool)
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (string dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin"]))
        {
            string candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
