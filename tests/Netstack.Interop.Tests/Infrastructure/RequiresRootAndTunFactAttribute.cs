namespace Netstack.Interop.Tests.Infrastructure;

/// <summary>
/// A fact that needs root and /dev/net/tun: where they are missing it is reported as skipped with the reason
/// "needs root and /dev/net/tun" (never silently passed). Extra <paramref name="programs"/> (e.g. "socat") are
/// checked likewise and named in the skip reason.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequiresRootAndTunFactAttribute : FactAttribute
{
    public RequiresRootAndTunFactAttribute(params string[] programs)
    {
        Programs = programs;
        Skip = SkipReason(programs);
    }

    public IReadOnlyList<string> Programs { get; }

    internal static string? SkipReason(string[] programs)
    {
        if (!TestEnvironment.HasRootAndTun)
        {
            return TestEnvironment.RootAndTunReason;
        }
        foreach (string program in programs)
        {
            if (TestEnvironment.FindProgram(program) is null)
            {
                return $"needs {program}";
            }
        }
        return null;
    }
}

/// <summary>The theory counterpart of <see cref="RequiresRootAndTunFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequiresRootAndTunTheoryAttribute : TheoryAttribute
{
    public RequiresRootAndTunTheoryAttribute(params string[] programs)
    {
        Programs = programs;
        Skip = RequiresRootAndTunFactAttribute.SkipReason(programs);
    }

    public IReadOnlyList<string> Programs { get; }
}
