using System.Diagnostics;
using Netstack.Interop;

namespace Netstack.Cli.Run;

/// <summary>
/// The namespace helper (which becomes the command) as our child: its PID and its end. Started with
/// <see cref="Process"/>, or adopted by PID after the capability-dropping re-exec, when .NET's Process class
/// does not know the child and a dedicated thread reaps it with waitpid(2).
/// </summary>
public sealed class CommandProcess : IDisposable
{
    private readonly Process? _process;

    private CommandProcess(int pid, Task<int> exited, Process? process)
    {
        Pid = pid;
        Exited = exited;
        _process = process;
    }

    /// <summary>The PID (the helper's, and after its execve the command's).</summary>
    public int Pid { get; }

    /// <summary>Completes with the exit status as a shell reports it: the exit code, or 128 + the signal that killed it.</summary>
    public Task<int> Exited { get; }

    /// <summary>Starts <paramref name="command"/> with our standard input, output and error.</summary>
    public static CommandProcess Start(IReadOnlyList<string> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var info = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (string arg in command.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new CommandFailedException($"cannot start {command[0]}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CommandFailedException($"cannot start {command[0]}: {e.Message}", e);
        }
        // .NET reports a child killed by signal N as exit code 128 + N, as a shell does.
        Task<int> exited = process.WaitForExitAsync().ContinueWith(_ => process.ExitCode, TaskScheduler.Default);
        return new CommandProcess(process.Id, exited, process);
    }

    /// <summary>Adopts our child <paramref name="pid"/> (inherited across execve) and reaps it on a dedicated thread.</summary>
    public static CommandProcess Adopt(int pid)
    {
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                exited.SetResult(ProcessCalls.WaitForExit(pid));
            }
            catch (SystemCallException e)
            {
                exited.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "netstack waitpid",
        };
        thread.Start();
        return new CommandProcess(pid, exited.Task, null);
    }

    /// <summary>Sends <paramref name="signal"/> (a Linux signal number); not once the process has been reaped (its PID may be reused).</summary>
    public void Signal(int signal)
    {
        if (!Exited.IsCompleted)
        {
            ProcessCalls.Signal(Pid, signal);
        }
    }

    public void Dispose() => _process?.Dispose();
}
