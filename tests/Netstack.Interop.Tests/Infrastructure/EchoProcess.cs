using System.Diagnostics;
using System.Net;

namespace Netstack.Interop.Tests.Infrastructure;

/// <summary>
/// <c>netstack echo</c> running inside a fresh namespace on a device it creates there, with the kernel side
/// configured once the command reports it is ready: the kernel at 10.9.N.1 / fd00:9::1, the stack at
/// 10.9.N.2 / fd00:9::2. Disposing kills the process (by PID) if it still runs and removes the namespace.
/// </summary>
public sealed class EchoProcess : IDisposable
{
    /// <summary>Safety net for waits on the process: long enough never to fire on a healthy run; nothing asserts durations.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private EchoProcess(NetnsFixture ns, Process process, string readyLine)
    {
        Ns = ns;
        Process = process;
        ReadyLine = readyLine;
    }

    public NetnsFixture Ns { get; }

    public Process Process { get; }

    /// <summary>The first line the command printed.</summary>
    public string ReadyLine { get; }

    public IPAddress Address(bool v6) => v6 ? Ns.StackV6 : Ns.StackV4;

    public static EchoProcess Start(params string[] extra) => StartWrapped([], extra);

    /// <summary>As <see cref="Start"/>, with <paramref name="wrapper"/> (a command that execs the rest) between the namespace and netstack.</summary>
    public static EchoProcess StartWrapped(string[] wrapper, params string[] extra)
    {
        NetnsFixture ns = NetnsFixture.CreateEmpty();
        try
        {
            Process echo = ns.Track(NetstackProcess.Start([.. ns.ExecPrefix, .. wrapper],
                ["echo", "--tun", ns.DeviceName, "--address", $"{ns.StackV4}/24", "--address", $"{ns.StackV6}/64", .. extra]));
            string? ready = NetstackProcess.ReadLine(echo, Patience);
            if (ready is null || !ready.StartsWith($"echo: ready on {ns.DeviceName} ", StringComparison.Ordinal))
            {
                echo.WaitForExit(Patience);
                throw new InvalidOperationException($"netstack echo did not start: '{ready}'; stderr: {echo.StandardError.ReadToEnd()}");
            }
            ns.ConfigureKernelSide();
            return new EchoProcess(ns, echo, ready);
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>Sends SIGTERM (or <paramref name="signal"/>) and waits for the exit; returns what the command printed afterwards.</summary>
    public ProcessRunner.Result Stop(string signal = "TERM")
    {
        NetstackProcess.Signal(Process, signal);
        Task<string> output = Process.StandardOutput.ReadToEndAsync();
        Task<string> error = Process.StandardError.ReadToEndAsync();
        if (!Process.WaitForExit(Patience))
        {
            throw new TimeoutException("netstack echo did not stop after SIG" + signal);
        }
        Process.WaitForExit();
        return new ProcessRunner.Result(Process.ExitCode, output.Result, error.Result);
    }

    public void Dispose() => Ns.Dispose();
}
