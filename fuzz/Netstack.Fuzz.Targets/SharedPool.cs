using Netstack.Buffers;

namespace Netstack.Fuzz;

/// <summary>
/// One packet pool for every run in a process, as a long-running stack has: runs reuse its blocks (a new pool per
/// run would allocate a 64 KiB reassembly block on the large-object heap every time), and stale bytes in reused
/// blocks are part of what the fuzzer sees. A run checks that the pool's outstanding count returns to where it began.
/// </summary>
internal static class SharedPool
{
    public static PacketPool Instance { get; } = new();
}
