using Netstack.Interop;

namespace Netstack.Cli.Run;

/// <summary>
/// Builds a seccomp deny-list filter: a classic BPF program that makes each named system call fail with EPERM and
/// lets every other call run (seccomp(2), SECCOMP_SET_MODE_FILTER).
/// </summary>
/// <remarks>
/// <para>The program, for one architecture:</para>
/// <code>
///   A = seccomp_data.arch;  if A != AUDIT_ARCH_…  → kill process   (a foreign ABI: its numbers mean other calls)
///   A = seccomp_data.nr;    if A >= 0x40000000 and A != -1 → kill process   (x86-64 only: the x32 ABI, same arch value)
///   [if A == clone → clone check;  if A == clone3 → return ENOSYS]   (only with denyNewNamespaces)
///   if A == denied[0] → deny;  if A == denied[1] → deny;  …
///   allow
///   deny:  return SECCOMP_RET_ERRNO | EPERM
///   kill:  return SECCOMP_RET_KILL_PROCESS
///   [clone3: return SECCOMP_RET_ERRNO | ENOSYS]
///   [clone check: A = args[0] (low word); if A &amp; CLONE_NEW* → deny, else allow]
/// </code>
/// <para>
/// Allow by default because the .NET runtime uses a wide and version-dependent set of calls; a denied call returns
/// EPERM rather than killing, so a runtime or library that probes for a feature sees "not permitted" and goes on.
/// A call in a foreign ABI (int 0x80 on x86-64, or x32) is never made by the runtime, and the deny list cannot apply
/// to it (the numbers differ), so it kills the process instead.
/// </para>
/// </remarks>
internal static class SeccompFilter
{
    /// <summary>What a denied call returns: it fails with EPERM.</summary>
    public const uint DenyAction = Seccomp.SECCOMP_RET_ERRNO | Errno.EPERM;

    /// <summary>What every call not denied returns.</summary>
    public const uint AllowAction = Seccomp.SECCOMP_RET_ALLOW;

    /// <summary>What a call in another ABI than the filter's (another arch value, or x32 on x86-64) returns.</summary>
    public const uint ForeignAbiAction = Seccomp.SECCOMP_RET_KILL_PROCESS;

    /// <summary>
    /// linux/sched.h: the clone(2) flags that create namespaces (CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID,
    /// NEWNET). CLONE_NEWTIME (0x80) is not among them: in clone(2) that bit is part of the exit signal, and only
    /// clone3 and unshare take it.
    /// </summary>
    public const uint NamespaceCloneFlags = 0x7E02_0000;

    /// <summary>What clone3 returns when new namespaces are denied: ENOSYS, so glibc falls back to clone, whose flags the filter can read.</summary>
    public const uint Clone3Action = Seccomp.SECCOMP_RET_ERRNO | Errno.ENOSYS;

    /// <summary>Builds the program for this process's architecture (<see cref="PlatformNotSupportedException"/> on one without a table).</summary>
    public static SockFilter[] BuildForHost(IEnumerable<string> deniedSystemCalls, bool denyNewNamespaces = false) =>
        Build(SystemCallTable.Host, deniedSystemCalls, denyNewNamespaces);

    /// <summary>
    /// Builds the program for <paramref name="architecture"/>. A name no architecture knows is an
    /// <see cref="ArgumentException"/>; a name only another architecture has (iopl on arm64) is left out.
    /// With <paramref name="denyNewNamespaces"/>, clone with any of <see cref="NamespaceCloneFlags"/> is denied (EPERM)
    /// and clone3 returns ENOSYS: its flags are in user memory, which a seccomp filter cannot read (seccomp(2)), and
    /// glibc then creates threads with clone, as it did before clone3 existed.
    /// </summary>
    public static SockFilter[] Build(SeccompArchitecture architecture, IEnumerable<string> deniedSystemCalls, bool denyNewNamespaces = false)
    {
        ArgumentNullException.ThrowIfNull(deniedSystemCalls);
        IReadOnlyDictionary<string, int> table = SystemCallTable.For(architecture);
        uint auditArchitecture = SystemCallTable.AuditArchitecture(architecture);

        var numbers = new SortedSet<uint>();
        foreach (string name in deniedSystemCalls)
        {
            if (table.TryGetValue(name, out int number))
            {
                numbers.Add((uint)number);
            }
            else if (!SystemCallTable.IsKnown(name))
            {
                throw new ArgumentException($"unknown system call '{name}' in the seccomp deny list", nameof(deniedSystemCalls));
            }
        }

        bool rejectX32 = architecture == SeccompArchitecture.X86_64;
        var program = new List<SockFilter>();

        // Classic BPF only jumps forward, so the returns and the clone check come after every comparison; their
        // positions are known once the number of comparisons is.
        int headerLength = (rejectX32 ? 5 : 3) + (denyNewNamespaces ? 2 : 0);
        int allow = headerLength + numbers.Count;
        int deny = allow + 1;
        int kill = allow + 2;
        int clone3 = allow + 3;
        int cloneCheck = allow + 4;

        program.Add(ClassicBpf.LoadWord(Seccomp.DataOffsetArchitecture));
        program.Add(ClassicBpf.JumpIfEqual(auditArchitecture, 0, Offset(program.Count, kill)));
        program.Add(ClassicBpf.LoadWord(Seccomp.DataOffsetNumber));
        if (rejectX32)
        {
            // Number -1 is not x32: a tracer sets it to skip a call (the kernel then returns ENOSYS), so it passes on,
            // as libseccomp lets it.
            program.Add(ClassicBpf.JumpIfGreaterOrEqual(Seccomp.X32_SYSCALL_BIT, 0, 1));
            program.Add(ClassicBpf.JumpIfEqual(uint.MaxValue, 0, Offset(program.Count, kill)));
        }
        if (denyNewNamespaces)
        {
            program.Add(ClassicBpf.JumpIfEqual((uint)table["clone"], Offset(program.Count, cloneCheck), 0));
            program.Add(ClassicBpf.JumpIfEqual((uint)table["clone3"], Offset(program.Count, clone3), 0));
        }
        foreach (uint number in numbers)
        {
            program.Add(ClassicBpf.JumpIfEqual(number, Offset(program.Count, deny), 0));
        }
        program.Add(ClassicBpf.Return(AllowAction));
        program.Add(ClassicBpf.Return(DenyAction));
        program.Add(ClassicBpf.Return(ForeignAbiAction));
        if (denyNewNamespaces)
        {
            program.Add(ClassicBpf.Return(Clone3Action));
            // clone's flags are its first argument on both ABIs; the kernel uses only their low 32 bits
            // (kernel/fork.c: lower_32_bits(clone_flags)), the word at the argument's offset on a little-endian machine.
            program.Add(ClassicBpf.LoadWord(Seccomp.DataOffsetArguments));
            program.Add(ClassicBpf.JumpIfAnySet(NamespaceCloneFlags, 0, 1));
            program.Add(ClassicBpf.Return(DenyAction));
            program.Add(ClassicBpf.Return(AllowAction));
        }
        return [.. program];
    }

    /// <summary>The jump offset from the instruction at <paramref name="from"/> to <paramref name="to"/> (relative to the next instruction).</summary>
    private static byte Offset(int from, int to)
    {
        int offset = to - from - 1;
        if (offset is < 0 or > byte.MaxValue)
        {
            // Classic BPF conditional jumps reach at most 255 instructions ahead; a list this long would need a tree.
            throw new ArgumentException($"the seccomp deny list is too long: a jump of {offset} instructions does not fit in 8 bits");
        }
        return (byte)offset;
    }
}
