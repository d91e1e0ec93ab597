namespace Netstack.Transport.Tcp;

/// <summary>
/// Creates a congestion controller by name (Linux's <c>net.ipv4.tcp_congestion_control</c> names, plus
/// <c>newreno</c>). An unknown name is an error, never a silent default.
/// </summary>
public static class CongestionControlFactory
{
    /// <summary>The names <see cref="Create"/> accepts (case-insensitive).</summary>
    public static IReadOnlyList<string> KnownNames { get; } = ["cubic", "reno", "newreno"];

    /// <summary>True when <paramref name="name"/> names a known algorithm.</summary>
    public static bool IsKnown(string? name) =>
        name is not null && (Is(name, "cubic") || Is(name, "reno") || Is(name, "newreno"));

    /// <summary>
    /// A new controller for <paramref name="name"/>, CUBIC with the HyStart signals of <paramref name="options"/> (Linux's
    /// default without); throws <see cref="ArgumentException"/> naming the known algorithms otherwise.
    /// </summary>
    internal static ICongestionControl Create(string name, TcpEndpointOptions? options = null)
    {
        ThrowIfUnknown(name);
        return Is(name, "cubic") ? new Cubic(options?.HyStart ?? HyStartDetection.Both) : new NewReno();
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is known.</summary>
    public static void ThrowIfUnknown(string? name, string? paramName = null)
    {
        if (!IsKnown(name))
        {
            throw new ArgumentException(UnknownMessage(name), paramName ?? nameof(name));
        }
    }

    /// <summary>The one-line error for an unknown name.</summary>
    public static string UnknownMessage(string? name) =>
        $"unknown congestion control '{name}' (known: {string.Join(", ", KnownNames)})";

    private static bool Is(string name, string known) => string.Equals(name, known, StringComparison.OrdinalIgnoreCase);
}
