using Netstack.Cli.Run;
using Netstack.Interop;

namespace Netstack.Cli.Tests;

/// <summary>The forwarder's seccomp program, run instruction by instruction by <see cref="ClassicBpfInterpreter"/>.</summary>
public class SeccompFilterTests
{
    private const uint Deny = Seccomp.SECCOMP_RET_ERRNO | 1; // EPERM
    private const uint Allow = Seccomp.SECCOMP_RET_ALLOW;
    private const uint Kill = Seccomp.SECCOMP_RET_KILL_PROCESS;
    private const uint AuditArchI386 = 0x4000_0003; // EM_386 | __AUDIT_ARCH_LE: int 0x80 on x86-64
    private const uint AuditArchArm = 0x4000_0028; // EM_ARM | __AUDIT_ARCH_LE: 32-bit compat on arm64

    public static TheoryData<SeccompArchitecture> Architectures => [SeccompArchitecture.X86_64, SeccompArchitecture.Aarch64];

    private const uint Enosys = Seccomp.SECCOMP_RET_ERRNO | 38;

    /// <summary>Runs the program <see cref="ForwarderSandbox.Apply"/> installs, for <paramref name="architecture"/>.</summary>
    private static uint Run(SeccompArchitecture architecture, int number, uint? auditArchitecture = null, ulong firstArgument = 1)
    {
        SockFilter[] program = ForwarderSandbox.BuildProgram(architecture);
        return ClassicBpfInterpreter.Run(program, ClassicBpfInterpreter.SeccompData(
            number, auditArchitecture ?? SystemCallTable.AuditArchitecture(architecture), firstArgument, 2, 3, 4, 5, 6));
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Every_denied_call_returns_EPERM(SeccompArchitecture architecture)
    {
        IReadOnlyDictionary<string, int> table = SystemCallTable.For(architecture);
        int checkedCalls = 0;
        foreach (string name in ForwarderSandbox.DeniedSystemCalls)
        {
            if (table.TryGetValue(name, out int number))
            {
                Assert.True(Run(architecture, number) == Deny, $"{name} ({number}) on {architecture} is not denied with EPERM");
                checkedCalls++;
            }
        }
        Assert.True(checkedCalls >= 45, $"only {checkedCalls} denied calls exist on {architecture}");
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Every_other_call_number_is_allowed(SeccompArchitecture architecture)
    {
        IReadOnlyDictionary<string, int> table = SystemCallTable.For(architecture);
        var denied = ForwarderSandbox.DeniedSystemCalls.Where(table.ContainsKey).Select(name => table[name]).ToHashSet();
        for (int number = 0; number < 1024; number++)
        {
            uint expected = denied.Contains(number) ? Deny : number == table["clone3"] ? Enosys : Allow; // clone's first argument, 1, has no CLONE_NEW*
            Assert.True(Run(architecture, number) == expected, $"call {number} on {architecture}: 0x{Run(architecture, number):x8}, expected 0x{expected:x8}");
        }
    }

    [Theory]
    [InlineData(0)] // read
    [InlineData(1)] // write
    [InlineData(41)] // socket
    [InlineData(42)] // connect
    [InlineData(56)] // clone: the runtime starts threads
    [InlineData(202)] // futex
    [InlineData(232)] // epoll_wait
    public void Calls_the_runtime_needs_are_allowed_on_x86_64(int number) =>
        Assert.Equal(Allow, Run(SeccompArchitecture.X86_64, number));

    [Theory]
    [InlineData("execve", 59)]
    [InlineData("ptrace", 101)]
    [InlineData("mount", 165)]
    [InlineData("unshare", 272)]
    [InlineData("bpf", 321)]
    [InlineData("keyctl", 250)]
    public void Known_x86_64_numbers_are_denied(string name, int number)
    {
        Assert.Equal(number, SystemCallTable.For(SeccompArchitecture.X86_64)[name]);
        Assert.Equal(Deny, Run(SeccompArchitecture.X86_64, number));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(59)]
    [InlineData(11)] // execve in the i386 table
    public void A_foreign_architecture_kills(int number)
    {
        Assert.Equal(Kill, Run(SeccompArchitecture.X86_64, number, AuditArchI386));
        Assert.Equal(Kill, Run(SeccompArchitecture.X86_64, number, Seccomp.AUDIT_ARCH_AARCH64));
        Assert.Equal(Kill, Run(SeccompArchitecture.Aarch64, number, AuditArchArm));
        Assert.Equal(Kill, Run(SeccompArchitecture.Aarch64, number, Seccomp.AUDIT_ARCH_X86_64));
    }

    [Theory]
    [InlineData(0x4000_0000)] // x32 read
    [InlineData(0x4000_0001)] // x32 write
    [InlineData(0x4000_0000 + 520)] // x32 execve
    [InlineData(0x4000_0000 + 545)] // x32 execveat
    [InlineData(0x7FFF_FFFF)]
    [InlineData(unchecked((int)0xFFFF_FFFE))]
    public void X32_numbers_are_rejected_on_x86_64(int number) =>
        Assert.Equal(Kill, Run(SeccompArchitecture.X86_64, number));

    [Fact]
    public void Number_minus_one_passes_as_libseccomp_lets_it() // a tracer's "skip this call"; the kernel returns ENOSYS
    {
        Assert.Equal(Allow, Run(SeccompArchitecture.X86_64, -1));
        Assert.Equal(Allow, Run(SeccompArchitecture.Aarch64, -1));
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Clone_is_allowed_for_threads_and_processes_but_not_for_new_namespaces(SeccompArchitecture architecture)
    {
        int clone = SystemCallTable.For(architecture)["clone"];
        Assert.Equal(Allow, Run(architecture, clone, firstArgument: 0x003D_0F00)); // glibc's pthread_create flags
        Assert.Equal(Allow, Run(architecture, clone, firstArgument: 0x0120_0011)); // fork: CHILD_SETTID | CHILD_CLEARTID | SIGCHLD
        Assert.Equal(Allow, Run(architecture, clone, firstArgument: 0x7E02_0000UL << 32)); // the kernel ignores the high word
        foreach (uint flag in new uint[] { 0x0002_0000, 0x0200_0000, 0x0400_0000, 0x0800_0000, 0x1000_0000, 0x2000_0000, 0x4000_0000 })
        {
            Assert.True(Run(architecture, clone, firstArgument: 0x003D_0F00 | flag) == Deny, $"clone with 0x{flag:x8} on {architecture} is not denied");
        }
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Clone3_returns_ENOSYS_so_glibc_falls_back_to_clone(SeccompArchitecture architecture) =>
        Assert.Equal(Enosys, Run(architecture, SystemCallTable.For(architecture)["clone3"], firstArgument: 0x7fff_0000_1000));

    [Fact]
    public void Without_denyNewNamespaces_clone3_and_clone_are_not_looked_at()
    {
        SockFilter[] program = SeccompFilter.Build(SeccompArchitecture.X86_64, ["execve"]);
        Assert.Equal(Allow, ClassicBpfInterpreter.Run(program, ClassicBpfInterpreter.SeccompData(435, Seccomp.AUDIT_ARCH_X86_64)));
        Assert.Equal(Allow, ClassicBpfInterpreter.Run(program, ClassicBpfInterpreter.SeccompData(56, Seccomp.AUDIT_ARCH_X86_64, 0x1000_0000)));
    }

    [Fact]
    public void The_program_checks_the_architecture_first()
    {
        SockFilter[] program = SeccompFilter.Build(SeccompArchitecture.X86_64, ["execve"]);
        Assert.Equal(new SockFilter(0x20, 0, 0, 4), program[0]); // A = seccomp_data.arch
        Assert.Equal(0x15, program[1].Code); // if A == …
        Assert.Equal(Seccomp.AUDIT_ARCH_X86_64, program[1].K);
        Assert.Equal(new SockFilter(0x06, 0, 0, Allow), program[^3]);
        Assert.Equal(9, program.Length); // arch, jeq, nr, x32 jge, -1 jeq, execve, allow, deny, kill
    }

    [Fact]
    public void An_unknown_name_is_an_error()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => SeccompFilter.Build(SeccompArchitecture.X86_64, ["execve", "exceve"]));
        Assert.Contains("exceve", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_call_only_another_architecture_has_is_left_out()
    {
        SockFilter[] x86 = SeccompFilter.Build(SeccompArchitecture.X86_64, ["iopl", "ioperm"]);
        SockFilter[] arm = SeccompFilter.Build(SeccompArchitecture.Aarch64, ["iopl", "ioperm"]);
        Assert.Equal(Deny, ClassicBpfInterpreter.Run(x86, ClassicBpfInterpreter.SeccompData(172, Seccomp.AUDIT_ARCH_X86_64)));
        Assert.DoesNotContain(arm, insn => insn.Code == 0x15 && insn.K is 172 or 173);
        Assert.Equal(Allow, ClassicBpfInterpreter.Run(arm, ClassicBpfInterpreter.SeccompData(172, Seccomp.AUDIT_ARCH_AARCH64))); // getpid there
    }

    [Fact]
    public void The_host_program_is_for_this_architecture()
    {
        SockFilter[] program = SeccompFilter.BuildForHost(ForwarderSandbox.DeniedSystemCalls, denyNewNamespaces: true);
        uint arch = SystemCallTable.AuditArchitecture(SystemCallTable.Host);
        Assert.Equal(arch, program[1].K);
        Assert.Equal(Deny, ClassicBpfInterpreter.Run(program, ClassicBpfInterpreter.SeccompData(SystemCallTable.HostNumber("execve"), arch)));
        Assert.Equal(Allow, ClassicBpfInterpreter.Run(program, ClassicBpfInterpreter.SeccompData(SystemCallTable.HostNumber("getpid"), arch)));
    }

    [Fact]
    public void The_interpreter_runs_jumps_as_the_kernel_does()
    {
        // if nr >= 10 { if nr & 1 → 3 else → 2 } else → 1
        SockFilter[] program =
        [
            new(0x20, 0, 0, 0), // ld [0]
            new(0x35, 0, 3, 10), // jge #10, +0, +3
            new(0x45, 0, 1, 1), // jset #1, +0, +1
            new(0x06, 0, 0, 3), // ret #3
            new(0x06, 0, 0, 2), // ret #2
            new(0x06, 0, 0, 1), // ret #1
        ];
        Assert.Equal(1u, ClassicBpfInterpreter.Run(program, ClassicBpfInterpreter.SeccompData(9, 0)));
        Assert.Equal(2u, ClassicBpfInterpreter.Run(program, ClassicBpfInterpreter.SeccompData(10, 0)));
        Assert.Equal(3u, ClassicBpfInterpreter.Run(program, ClassicBpfInterpreter.SeccompData(11, 0)));
        Assert.Throws<InvalidOperationException>(() => ClassicBpfInterpreter.Run([new(0x20, 0, 0, 2)], ClassicBpfInterpreter.SeccompData(0, 0))); // unaligned
        Assert.Throws<InvalidOperationException>(() => ClassicBpfInterpreter.Run([new(0x15, 5, 5, 0)], ClassicBpfInterpreter.SeccompData(0, 0))); // jumps out
    }

    [Theory]
    [InlineData(SeccompArchitecture.X86_64, "/usr/include/x86_64-linux-gnu/asm/unistd_64.h")]
    [InlineData(SeccompArchitecture.Aarch64, "/usr/include/asm-generic/unistd.h")]
    public void The_tables_match_the_kernel_headers_where_installed(SeccompArchitecture architecture, string header)
    {
        if (!File.Exists(header))
        {
            return; // linux-libc-dev is not installed: the InlineData numbers above still pin the main ones
        }
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(header))
        {
            string[] words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 3 && words[0] == "#define" && words[1].StartsWith("__NR_", StringComparison.Ordinal)
                && int.TryParse(words[2], System.Globalization.CultureInfo.InvariantCulture, out int number))
            {
                numbers[words[1]["__NR_".Length..]] = number;
            }
        }
        foreach ((string name, int number) in SystemCallTable.For(architecture))
        {
            Assert.True(numbers.TryGetValue(name, out int expected), $"{header} has no {name}");
            Assert.True(expected == number, $"{name} is {expected} in {header}, {number} in the table");
        }
    }
}
