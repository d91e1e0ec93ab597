namespace Netstack.Fuzz;

/// <summary>An invariant a fuzz target asserts did not hold (a leak, a wrong reassembly, a swallowed exception): a crash for the fuzzer.</summary>
public sealed class FuzzInvariantException : Exception
{
    /// <summary>Creates the exception with what did not hold.</summary>
    public FuzzInvariantException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with what did not hold and the exception behind it.</summary>
    public FuzzInvariantException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public FuzzInvariantException()
    {
    }

    /// <summary>Throws when <paramref name="condition"/> is false.</summary>
    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(message);
        }
    }
}
