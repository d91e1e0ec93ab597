using System.Diagnostics;

namespace Netstack.Interop.Tests.Infrastructure;

/// <summary>The <c>netstack</c> command as a child process: <c>dotnet Netstack.Cli.dll ...</c>, optionally wrapped (ip netns exec, setpriv).</summary>
public static class NetstackProcess
{
    /// <summary>The CLI assembly, copied next to the tests by the project reference.</summary>
    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "Netstack.Cli.dll");

    /// <summary>The command line that runs netstack with <paramref name="args"/> after <paramref name="prefix"/> (e.g. ["ip", "netns", "exec", ns]).</summary>
    public static string[] CommandLine(string[] prefix, params string[] args) =>
        [.. prefix, TestEnvironment.FindProgram("dotnet") ?? "dotnet", AssemblyPath, .. args];

    public static ProcessRunner.Result Run(string[] prefix, params string[] args)
    {
        string[] line = CommandLine(prefix, args);
        return ProcessRunner.Run(ProcessRunner.DefaultTimeout, null, line[0], line[1..]);
    }

    public static Process Start(string[] prefix, params string[] args)
    {
        string[] line = CommandLine(prefix, args);
        return ProcessRunner.Start(line[0], line[1..]);
    }

    /// <summary>Reads one line of standard output, or fails after <paramref name="timeout"/> (a safety net against a hung process).</summary>
    public static string? ReadLine(Process process, TimeSpan timeout)
    {
        Task<string?> line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(timeout))
        {
            throw new TimeoutException($"no output from netstack within {timeout}; stderr: {(process.HasExited ? process.StandardError.ReadToEnd() : "(running)")}");
        }
        return line.Result;
    }

    /// <summary>Sends <paramref name="signal"/> (INT, TERM) to a process we started, by its PID.</summary>
    public static void Signal(Process process, string signal) =>
        ProcessRunner.Check("kill", "-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
