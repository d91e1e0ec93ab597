using System.Diagnostics;

namespace Netstack.Interop.Tests.Infrastructure;

/// <summary>Runs helper programs (ip, ping, python3, socat) with a safety timeout; a program that outlives it is killed by its own PID.</summary>
public static class ProcessRunner
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}; stdout: {Output.Trim()}; stderr: {Error.Trim()}";
    }

    /// <summary>The safety net for helper programs: long enough never to fire on a healthy run.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static Result Run(string program, params string[] args) => Run(DefaultTimeout, null, program, args);

    public static Result Run(TimeSpan timeout, byte[]? input, string program, params string[] args)
    {
        using Process process = Start(program, args, redirectInput: input is not null);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.BaseStream.Write(input);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(timeout))
        {
            Kill(process);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {timeout}.");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs and throws unless the exit code is 0.</summary>
    public static Result Check(string program, params string[] args)
    {
        Result result = Run(program, args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {result}");
        }
        return result;
    }

    public static Process Start(string program, IEnumerable<string> args, bool redirectInput = false)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
    }

    /// <summary>Kills a process we started (by its PID, with its children) and reaps it.</summary>
    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }
}
