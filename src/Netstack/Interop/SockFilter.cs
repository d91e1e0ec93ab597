using System.Runtime.InteropServices;

namespace Netstack.Interop;

/// <summary>
/// C <c>struct sock_filter</c> (linux/filter.h): one classic BPF instruction, as a seccomp filter program is made of
/// (seccomp(2), SECCOMP_SET_MODE_FILTER).
/// </summary>
/// <param name="Code">The opcode: class, size, mode and operation bits (e.g. <c>BPF_LD | BPF_W | BPF_ABS</c>).</param>
/// <param name="JumpTrue">For a conditional jump, how many instructions to skip when the condition holds.</param>
/// <param name="JumpFalse">For a conditional jump, how many instructions to skip when it does not.</param>
/// <param name="K">The constant operand: an offset to load, a value to compare, or the value to return.</param>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct SockFilter(ushort Code, byte JumpTrue, byte JumpFalse, uint K);

/// <summary>C <c>struct sock_fprog</c>: the length and address of a classic BPF program.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockFprog
{
    public ushort Length;
    public SockFilter* Filter;
}
