namespace Netstack.Cli.Run;

/// <summary>The system call ABIs <see cref="SeccompFilter"/> can build a program for; each has its own numbers (<see cref="SystemCallTable"/>).</summary>
public enum SeccompArchitecture
{
    /// <summary>x86-64 (AUDIT_ARCH_X86_64); x32 calls share its arch value and are told apart by their number.</summary>
    X86_64,

    /// <summary>arm64 (AUDIT_ARCH_AARCH64), which numbers its calls as asm-generic/unistd.h does.</summary>
    Aarch64,
}
