using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Netstack.Interop;
using Netstack.Link;
using Netstack.Stack;

namespace Netstack.Cli.Run;

/// <summary>
/// The forwarder's life once it holds the namespace's TUN descriptors: the link and the stack (standing for the
/// gateway, answering for every destination), the sandbox, <see cref="ForwarderHost.ServeAsync"/>, the go to the
/// helper, signal forwarding, and the end — the command's exit (<c>run</c>) or the namespace's (<c>attach</c>) —
/// after which everything is stopped and closed.
/// </summary>
public static class ForwarderSession
{
    private const int SIGHUP = 1;
    private const int SIGINT = 2;
    private const int SIGTERM = 15;

    /// <summary>How long the forwarder may take to stop once cancelled before we stop waiting for it.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Serves until the end and returns the exit status: the command's for <c>run</c> (<paramref name="command"/>
    /// set), 0 for <c>attach</c> (<paramref name="watchSpec"/> set). Owns <paramref name="descriptors"/> and
    /// <paramref name="socket"/>.
    /// </summary>
    public static int Serve(RunOptions options, string deviceName, int[] descriptors, CommandProcess? command, int socket, string? watchSpec)
    {
        ArgumentNullException.ThrowIfNull(options);
        string verb = command is null ? "attach" : "run";
        try
        {
            TunLink link;
            try
            {
                link = TunLink.FromDescriptors(descriptors, deviceName, options.Mtu, virtioNetHeader: true);
            }
            catch (SystemCallException e)
            {
                throw new CommandFailedException($"{verb}: cannot use the TUN device: {e.Message}", e);
            }
            using (link)
            {
                if (link.UdpSegmentationOffloadRefusal is string why && options.Verbosity == Verbosity.Verbose)
                {
                    Console.Error.WriteLine($"{verb}: note: {why}");
                }
                using ILinkEndpoint endpoint = options.PcapPath is null ? link : OpenCapture(verb, link, options.PcapPath);
                // --verbose: the stack's and the forwarder's events (connections, flows, warnings) at Debug on standard error.
                using var logging = options.Verbosity == Verbosity.Verbose ? new StderrLoggerFactory(verb, LogLevel.Debug) : null;
                using var stack = new NetStack(new NetStackOptions { LoggerFactory = logging });
                stack.AcceptAnyDestination = true; // the stack stands for every destination the namespace talks to
                stack.AddInterface(endpoint, options.Addresses.GatewayInterfaceAddresses());

                ForwarderSandbox.Apply();
                using var stop = new CancellationTokenSource();
                Task serving = ForwarderHost.ServeAsync(stack, link, options, stop.Token);
                int status = command is not null
                    ? RunCommand(command, socket, serving)
                    : ServeNamespace(watchSpec!, stop, serving, options, deviceName);
                stop.Cancel();
                WaitStopped(verb, serving);
                // The link first (and the capture with it): its dispatcher threads stop before the stack goes away.
                endpoint.Dispose();
                return status;
            }
        }
        catch when (command is not null && !command.Exited.IsCompleted)
        {
            // Setup failed before the go: closing our end tells the helper to exit instead of running the command.
            LibC.Close(socket);
            socket = -1;
            command.Exited.Wait(TimeSpan.FromSeconds(10)); // leave no process behind
            throw;
        }
        finally
        {
            if (socket >= 0)
            {
                LibC.Close(socket);
            }
        }
    }

    private static int RunCommand(CommandProcess command, int socket, Task serving)
    {
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => Forward(c, command, SIGHUP));
        ProcessCalls.StopIgnoring(SIGINT); // as ShutdownSignal: a background job's SIGINT is forwarded too (SIGHUP stays as nohup left it)
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Forward(c, command, SIGINT));
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Forward(c, command, SIGTERM));
        try
        {
            FdPassing.Send(socket, [HelperProtocol.Go], []);
        }
        catch (SystemCallException)
        {
            // The helper is gone already (killed): its status below says how.
        }
        if (Task.WaitAny(command.Exited, serving) == 1 && !command.Exited.IsCompleted)
        {
            // The forwarder failed: the command has no network any more. End it as a shell's hangup would.
            command.Signal(SIGHUP);
            serving.GetAwaiter().GetResult(); // reports why
        }
        return command.Exited.GetAwaiter().GetResult();
    }

    private static void Forward(PosixSignalContext context, CommandProcess command, int signal)
    {
        context.Cancel = true; // we exit when the command does, with its status
        command.Signal(signal);
    }

    private static int ServeNamespace(string watchSpec, CancellationTokenSource stop, Task serving, RunOptions options, string deviceName)
    {
        var watch = new NamespaceWatch(watchSpec);
        using var shutdown = new ShutdownSignal();
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        using CancellationTokenSource either = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, shutdown.Token);
        Task gone = watch.WaitUntilGoneAsync(either.Token);
        if (options.Verbosity != Verbosity.Quiet)
        {
            // One line a script can wait for (standard output is ours in attach mode): from here on signals end us cleanly.
            Console.Out.WriteLine($"attach: serving {deviceName} ({string.Join(", ", options.Addresses.GatewayInterfaceAddresses())} as the gateway)");
            Console.Out.Flush();
        }
        Task.WaitAny(gone, serving, Task.Delay(Timeout.Infinite, either.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        if (serving.IsFaulted)
        {
            serving.GetAwaiter().GetResult();
        }
        return ExitCodes.Success;
    }

    private static void WaitStopped(string verb, Task serving)
    {
        try
        {
            if (!serving.Wait(StopTimeout))
            {
                Console.Error.WriteLine($"{verb}: the forwarder did not stop within {StopTimeout.TotalSeconds:0} s; closing anyway");
            }
        }
        catch (AggregateException e) when (e.InnerException is OperationCanceledException)
        {
        }
    }

    private static PcapSniffer OpenCapture(string verb, TunLink link, string path)
    {
        try
        {
            return new PcapSniffer(link, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailedException($"{verb}: cannot write the capture '{path}': {e.Message}", e);
        }
    }
}
