using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Netstack.Interop.Tests.Infrastructure;

namespace Netstack.Interop.Tests;

/// <summary>
/// <c>examples/TunEcho</c> as a process, the way its usage line runs it: it creates the TUN device inside a fresh
/// namespace, the kernel side gets its address, and a kernel TCP client in the namespace is echoed.
/// </summary>
public class TunEchoExampleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120); // safety net only

    private static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "Netstack.Examples.TunEcho.dll");

    [RequiresRootAndTunFact("kill")]
    public async Task The_example_echoes_a_kernel_client_and_stops_on_SIGTERM()
    {
        using NetnsFixture ns = NetnsFixture.CreateEmpty();
        string dotnet = TestEnvironment.FindProgram("dotnet") ?? "dotnet";
        Process echo = ns.Track(ProcessRunner.Start("ip",
            ["netns", "exec", ns.Namespace, dotnet, AssemblyPath, ns.DeviceName, $"{ns.StackV4}/24", "7"]));
        string? ready = NetstackProcess.ReadLine(echo, Patience);
        Assert.Equal($"echo: listening on {ns.StackV4}:7 via {ns.DeviceName} (mtu 1500)", ready);
        ns.ConfigureKernelSide();

        using Socket client = NetworkNamespaceSockets.Create($"/run/netns/{ns.Namespace}",
            () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var timeout = new CancellationTokenSource(Patience);
        await client.ConnectAsync(ns.StackV4, 7, timeout.Token);
        byte[] sent = Encoding.ASCII.GetBytes("hello through a TUN device");
        using var received = new MemoryStream();
        await using (var stream = new NetworkStream(client, ownsSocket: false))
        {
            await stream.WriteAsync(sent, timeout.Token);
            client.Shutdown(SocketShutdown.Send);
            await stream.CopyToAsync(received, timeout.Token); // until the server's FIN
        }
        Assert.Equal(sent, received.ToArray());

        NetstackProcess.Signal(echo, "TERM");
        Task<string> rest = echo.StandardOutput.ReadToEndAsync(timeout.Token);
        Assert.True(echo.WaitForExit(Patience), "the example did not stop after SIGTERM");
        Assert.Equal(0, echo.ExitCode);
        string output = await rest;
        Assert.Contains($"echo: {client.LocalEndPoint} sent {sent.Length} bytes and closed", output, StringComparison.Ordinal);
        Assert.EndsWith("echo: stopping\n", output, StringComparison.Ordinal);
        Assert.NotEqual(0, ns.Exec("ip", "link", "show", ns.DeviceName).ExitCode); // created by the example, gone with it
    }
}
