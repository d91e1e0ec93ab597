using System.Buffers.Binary;
using Netstack.Interop;

namespace Netstack.Cli.Tests;

/// <summary>
/// Runs a classic BPF seccomp program over a <c>struct seccomp_data</c>, as the kernel does (Documentation/networking/
/// filter.rst, kernel/seccomp.c's checks): the subset a seccomp filter may use for loads of the data, the jumps,
/// and returns. Written from the opcode bits here, not from the builder's helpers, so the test checks the encoding.
/// Any instruction outside that subset, a jump out of the program, or an unaligned or out-of-bounds load throws.
/// </summary>
public static class ClassicBpfInterpreter
{
    /// <summary>Builds a <c>struct seccomp_data</c> (little-endian, as on x86-64 and arm64).</summary>
    public static byte[] SeccompData(int number, uint architecture, params ulong[] arguments)
    {
        byte[] data = new byte[64];
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(0), number);
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(4), architecture);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(8), 0x7f00_1234_5678); // instruction_pointer: any value
        for (int i = 0; i < arguments.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(16 + (8 * i)), arguments[i]);
        }
        return data;
    }

    /// <summary>Runs <paramref name="program"/> on <paramref name="data"/> and returns the value of the RET it reaches.</summary>
    internal static uint Run(IReadOnlyList<SockFilter> program, ReadOnlySpan<byte> data)
    {
        if (program.Count is 0 or > 4096)
        {
            throw new InvalidOperationException($"a program has 1 to 4096 instructions, not {program.Count}");
        }
        uint a = 0;
        uint x = 0;
        int pc = 0;
        for (int steps = 0; ; steps++)
        {
            if (pc >= program.Count)
            {
                throw new InvalidOperationException($"ran off the end of the program at {pc}");
            }
            if (steps > program.Count)
            {
                throw new InvalidOperationException("more steps than instructions: classic BPF only jumps forward");
            }
            SockFilter insn = program[pc];
            int code = insn.Code;
            int cls = code & 0x07;
            switch (cls)
            {
                case 0x00: // BPF_LD
                    if (code != (0x00 | 0x00 | 0x20)) // only BPF_W | BPF_ABS: seccomp rejects other loads
                    {
                        throw new InvalidOperationException($"unsupported load 0x{code:x2} at {pc}");
                    }
                    if (insn.K % 4 != 0 || insn.K + 4 > (uint)data.Length)
                    {
                        throw new InvalidOperationException($"load of offset {insn.K} at {pc} is unaligned or out of seccomp_data");
                    }
                    a = BinaryPrimitives.ReadUInt32LittleEndian(data[(int)insn.K..]);
                    pc++;
                    break;
                case 0x05: // BPF_JMP
                {
                    int op = code & 0xf0;
                    uint operand = (code & 0x08) == 0 ? insn.K : x; // BPF_K or BPF_X
                    if (op == 0x00) // BPF_JA
                    {
                        pc += 1 + (int)insn.K;
                        break;
                    }
                    bool condition = op switch
                    {
                        0x10 => a == operand, // BPF_JEQ
                        0x20 => a > operand, // BPF_JGT
                        0x30 => a >= operand, // BPF_JGE
                        0x40 => (a & operand) != 0, // BPF_JSET
                        _ => throw new InvalidOperationException($"unsupported jump 0x{code:x2} at {pc}"),
                    };
                    pc += 1 + (condition ? insn.JumpTrue : insn.JumpFalse);
                    break;
                }
                case 0x06: // BPF_RET
                    if (code != (0x06 | 0x00)) // BPF_K: the action is the constant
                    {
                        throw new InvalidOperationException($"unsupported return 0x{code:x2} at {pc}");
                    }
                    return insn.K;
                default:
                    throw new InvalidOperationException($"unsupported instruction class 0x{code:x2} at {pc}");
            }
        }
    }
}
