using System.Diagnostics;

namespace Netstack.Cli.Run;

/// <summary>Runs iproute2's <c>ip</c> (in the caller's network namespace); a failure becomes one line naming the command and ip's message.</summary>
public static class IpTool
{
    /// <summary>Runs <c>ip args</c>, throwing <see cref="CommandFailedException"/> unless it exits 0.</summary>
    public static void Run(params string[] args)
    {
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new CommandFailedException("cannot start 'ip'");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CommandFailedException($"cannot run 'ip' (install iproute2): {e.Message}", e);
        }
        using (process)
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            _ = output.Result;
            if (process.ExitCode != 0)
            {
                throw new CommandFailedException($"ip {string.Join(' ', args)}: {NetstackCli.OneLine(error)}");
            }
        }
    }
}
