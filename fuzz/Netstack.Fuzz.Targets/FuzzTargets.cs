namespace Netstack.Fuzz;

/// <summary>
/// The fuzz targets by name: "parsers" (the wire header views), "reassembly" (IPv4/IPv6 fragments into a stack)
/// and "stack" (packet sequences into a stack with TCP and UDP sockets). A target throws on a defect: any exception
/// escaping the stack, or a <see cref="FuzzInvariantException"/> for an invariant that did not hold.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The target names, in the order the corpus folders use.</summary>
    public static IReadOnlyList<string> Names { get; } = ["parsers", "reassembly", "stack"];

    /// <summary>Runs <paramref name="target"/> once on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentException">The target name is unknown.</exception>
    public static void Run(string target, ReadOnlySpan<byte> input)
    {
        switch (target)
        {
            case "parsers":
                WireParsersTarget.Run(input);
                break;
            case "reassembly":
                ReassemblyTarget.Run(input);
                break;
            case "stack":
                StackTarget.Run(input);
                break;
            default:
                throw new ArgumentException($"unknown fuzz target '{target}' (known: {string.Join(", ", Names)})", nameof(target));
        }
    }

    /// <summary>Starting inputs for <paramref name="target"/>, named (valid packets and sequences the fuzzer mutates).</summary>
    public static IReadOnlyList<(string Name, byte[] Input)> Seeds(string target) => SeedInputs.For(target);
}
