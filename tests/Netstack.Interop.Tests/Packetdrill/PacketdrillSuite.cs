using System.Diagnostics;
using Netstack.Interop.Tests.Infrastructure;

namespace Netstack.Interop.Tests.Packetdrill;

/// <summary>
/// Where packetdrill, its scripts, the allow-list and the stack's packetdrill library are, and how one script runs
/// against the library. The library (tests/Netstack.Packetdrill, NativeAOT) is published once per change: a run
/// reuses it while it is newer than every source file of the stack and of the shim.
/// </summary>
internal static class PacketdrillSuite
{
    private static readonly Lazy<string> s_repository = new(FindRepository);
    private static readonly Lazy<(string? Library, string? Error)> s_library = new(Publish);
    private static readonly Lazy<string> s_scripts = new(PrepareScripts);

    public static string Repository => s_repository.Value;

    public static string ShimProject => Path.Combine(Repository, "tests", "Netstack.Packetdrill");

    /// <summary>packetdrill's folder: PACKETDRILL_DIR, or ../shared/peers/packetdrill beside the repository (or its worktree's parent).</summary>
    public static string? PacketdrillDirectory
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable("PACKETDRILL_DIR");
            string[] candidates = configured is not null ? [configured] :
                [Path.Combine(Repository, "..", "shared", "peers", "packetdrill"), Path.Combine(Repository, "..", "..", "shared", "peers", "packetdrill")];
            return candidates.Select(Path.GetFullPath).FirstOrDefault(d => File.Exists(Path.Combine(d, "packetdrill")) && Directory.Exists(Path.Combine(d, "tcp")));
        }
    }

    /// <summary>Why the suite cannot run here, or null.</summary>
    public static string? SkipReason
    {
        get
        {
            if (!OperatingSystem.IsLinux())
            {
                return "packetdrill runs on Linux only";
            }
            if (PacketdrillDirectory is null)
            {
                return "needs packetdrill (set PACKETDRILL_DIR, or put it in ../shared/peers/packetdrill)";
            }
            if (TestEnvironment.FindProgram("clang") is null)
            {
                return "needs clang (the NativeAOT toolchain; apt-get install clang lld zlib1g-dev)";
            }
            return null;
        }
    }

    /// <summary>Every script under packetdrill's tcp/ as DIR/NAME.pkt.</summary>
    public static IEnumerable<string> AllScripts()
    {
        string? pd = PacketdrillDirectory;
        if (pd is null)
        {
            return [];
        }
        string tcp = Path.Combine(pd, "tcp");
        return Directory.EnumerateFiles(tcp, "*.pkt", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(tcp, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>The allow-list: scripts where our stack differs from Linux for a stated reason.</summary>
    public static IReadOnlyDictionary<string, string> AllowList()
    {
        string path = Path.Combine(ShimProject, "allowlist.tsv");
        var list = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(path))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            string[] fields = line.Split('\t', 2);
            list[fields[0]] = fields.Length > 1 ? fields[1] : "";
        }
        return list;
    }

    /// <summary>Runs one script against the library; returns packetdrill's exit code and output.</summary>
    public static (int ExitCode, string Output) Run(string script)
    {
        (string? library, string? error) = s_library.Value;
        if (library is null)
        {
            throw new InvalidOperationException($"publishing the packetdrill library failed: {error}");
        }
        string directory = Path.Combine(s_scripts.Value, "tcp", Path.GetDirectoryName(script)!);
        var start = new ProcessStartInfo(Path.Combine(PacketdrillDirectory!, "packetdrill"))
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PATH"] = Path.Combine(s_scripts.Value, "bin") + ":" + Environment.GetEnvironmentVariable("PATH"); // init commands change nothing here (prepare-scripts.sh)
        start.Environment["LD_PRELOAD"] = library; // the code events' getsockopt(TCP_INFO) reaches the stack (PreloadedGetsockopt.cs)
        start.ArgumentList.Add($"--so_filename={library}");
        start.ArgumentList.Add("--local_ip=192.168.0.2");
        start.ArgumentList.Add(Path.GetFileName(script));
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill();
            process.WaitForExit();
            return (-1, "timed out after 120 s\n" + output.Result + errors.Result);
        }
        process.WaitForExit();
        File.Delete($"/tmp/sysctl_restore_{process.Id}.sh"); // the no-op restore script the init command left
        File.Delete(Path.Combine(Path.GetTempPath(), $"netstack-packetdrill-sysctls.{process.Id}")); // the script's sysctls, as the library read them
        return (process.ExitCode, output.Result + errors.Result);
    }

    private static string FindRepository()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Netstack.slnx")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException("Netstack.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Publishes the library unless the last one is newer than every source it is made of.</summary>
    private static (string?, string?) Publish()
    {
        string output = Path.Combine(ShimProject, "bin", "publish");
        string library = Path.Combine(output, "Netstack.Packetdrill.so");
        DateTime newestSource = new[] { Path.Combine(Repository, "src", "Netstack"), ShimProject }
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal))
            .Max(File.GetLastWriteTimeUtc);
        if (File.Exists(library) && File.GetLastWriteTimeUtc(library) > newestSource)
        {
            return (library, null);
        }
        ProcessRunner.Result result = ProcessRunner.Run(TimeSpan.FromMinutes(20), null, "dotnet", "publish", Path.Combine(ShimProject, "Netstack.Packetdrill.csproj"),
            "-c", "Release", "-o", output, "-p:UseSharedCompilation=false", "--disable-build-servers", "-v", "q");
        return result.ExitCode == 0 && File.Exists(library) ? (library, null) : (null, result.ToString());
    }

    /// <summary>A copy of the scripts whose init commands are no-ops (prepare-scripts.sh "ours"), made afresh once per test run beside the tests.</summary>
    private static string PrepareScripts()
    {
        string destination = Path.Combine(AppContext.BaseDirectory, "packetdrill-scripts");
        if (Directory.Exists(destination))
        {
            Directory.Delete(destination, recursive: true);
        }
        ProcessRunner.Result result = ProcessRunner.Run(Path.Combine(ShimProject, "prepare-scripts.sh"), Path.Combine(PacketdrillDirectory!, "tcp"), destination, "ours");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("prepare-scripts.sh failed: " + result);
        }
        return destination;
    }
}
