using Netstack.Interop;

namespace Netstack.Cli.Run;

/// <summary>
/// The classic BPF instructions a seccomp filter is written in (linux/bpf_common.h, linux/filter.h): only the subset
/// <see cref="SeccompFilter"/> emits — load a 32-bit word of <c>seccomp_data</c>, compare it with a constant or test its bits, return.
/// </summary>
internal static class ClassicBpf
{
    // Instruction classes.
    public const ushort BPF_LD = 0x00;
    public const ushort BPF_JMP = 0x05;
    public const ushort BPF_RET = 0x06;

    // Load size and mode.
    public const ushort BPF_W = 0x00;
    public const ushort BPF_ABS = 0x20;

    // Jump operations, and the source of the operand (the constant k).
    public const ushort BPF_JEQ = 0x10;
    public const ushort BPF_JGE = 0x30;
    public const ushort BPF_JSET = 0x40;
    public const ushort BPF_K = 0x00;

    /// <summary>A = the 32-bit word at <paramref name="offset"/> of <c>seccomp_data</c> (seccomp only allows aligned 32-bit loads).</summary>
    public static SockFilter LoadWord(uint offset) => new(BPF_LD | BPF_W | BPF_ABS, 0, 0, offset);

    /// <summary>If A == <paramref name="value"/> skip <paramref name="jumpTrue"/> instructions, else <paramref name="jumpFalse"/>.</summary>
    public static SockFilter JumpIfEqual(uint value, byte jumpTrue, byte jumpFalse) => new(BPF_JMP | BPF_JEQ | BPF_K, jumpTrue, jumpFalse, value);

    /// <summary>If A &gt;= <paramref name="value"/> (unsigned) skip <paramref name="jumpTrue"/> instructions, else <paramref name="jumpFalse"/>.</summary>
    public static SockFilter JumpIfGreaterOrEqual(uint value, byte jumpTrue, byte jumpFalse) => new(BPF_JMP | BPF_JGE | BPF_K, jumpTrue, jumpFalse, value);

    /// <summary>If A &amp; <paramref name="mask"/> is not 0 skip <paramref name="jumpTrue"/> instructions, else <paramref name="jumpFalse"/>.</summary>
    public static SockFilter JumpIfAnySet(uint mask, byte jumpTrue, byte jumpFalse) => new(BPF_JMP | BPF_JSET | BPF_K, jumpTrue, jumpFalse, mask);

    /// <summary>End the program with the seccomp action <paramref name="action"/>.</summary>
    public static SockFilter Return(uint action) => new(BPF_RET | BPF_K, 0, 0, action);
}
