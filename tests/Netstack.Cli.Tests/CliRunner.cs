using System.Diagnostics;

namespace Netstack.Cli.Tests;

/// <summary>Runs the <c>netstack</c> command in-process (fast) or as a child process (what a shell sees).</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        /// <summary>The lines written to standard error.</summary>
        public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static Result RunInProcess(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = NetstackCli.Run(args, output, error);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>Path of the built <c>Netstack.Cli.dll</c> (the <c>netstack</c> command) (copied next to the tests by the project reference).</summary>
    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "Netstack.Cli.dll");

    /// <summary>Starts <c>dotnet Netstack.Cli.dll args</c> with redirected output.</summary>
    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(AssemblyPath);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        return Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
    }

    /// <summary>Runs the command as a child process to completion (killing it, by its own PID, if it outlives <paramref name="timeout"/>).</summary>
    public static Result RunProcess(TimeSpan timeout, params string[] args)
    {
        using Process process = Start(args);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"netstack {string.Join(' ', args)} did not exit within {timeout}.");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
