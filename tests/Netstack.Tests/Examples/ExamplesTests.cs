using Netstack.Examples.HttpOverStack;
using Netstack.Examples.InMemoryTcp;
using Netstack.Examples.TcpForwarder;

namespace Netstack.Tests.Examples;

/// <summary>
/// Runs the entry logic of each program in <c>examples/</c> (what its <c>Main</c> calls) and checks what it printed,
/// so an example that stops working fails CI. The TUN example needs root and runs in Netstack.Interop.Tests.
/// </summary>
public class ExamplesTests
{
    /// <summary>A safety net against a hung example; a healthy run takes well under a second.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task InMemoryTcp_echoes_a_line_between_two_stacks()
    {
        string output = await RunAsync(InMemoryTcpExample.RunAsync);
        Assert.Contains("server: listening on 10.9.0.2:7", output, StringComparison.Ordinal);
        Assert.Contains("client: connected 10.9.0.1:", output, StringComparison.Ordinal);
        Assert.Contains("server: accepted 10.9.0.1:", output, StringComparison.Ordinal);
        Assert.Contains("server: echoed 28 bytes, closing", output, StringComparison.Ordinal);
        Assert.Contains("client: received 'hello over an in-memory link'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpOverStack_gets_two_answers_over_one_kept_alive_connection()
    {
        string output = await RunAsync(HttpOverStackExample.RunAsync);
        Assert.Contains("server: GET /hello HTTP/1.1", output, StringComparison.Ordinal);
        Assert.Contains("client: GET /hello -> 200 'hello from netstack: GET /hello'", output, StringComparison.Ordinal);
        Assert.Contains("client: GET /again -> 200 'hello from netstack: GET /again'", output, StringComparison.Ordinal);
        Assert.Contains("server: 1 connection(s), 2 request(s)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TcpForwarder_relays_a_connection_to_anywhere_to_a_loopback_socket()
    {
        string output = await RunAsync(TcpForwarderExample.RunAsync);
        Assert.Contains("client: connected 10.9.0.2:", output, StringComparison.Ordinal);
        Assert.Contains(" -> 192.0.2.10:80 relayed to 127.0.0.1:", output, StringComparison.Ordinal);
        Assert.Contains("host: accepted 127.0.0.1:", output, StringComparison.Ordinal);
        Assert.Contains("client: received 'the host read 'hello through the forwarder''", output, StringComparison.Ordinal);
        Assert.Contains("forwarder: both directions closed", output, StringComparison.Ordinal);
    }

    private static async Task<string> RunAsync(Func<TextWriter, CancellationToken, Task> example)
    {
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(Patience);
        await example(TextWriter.Synchronized(output), timeout.Token).WaitAsync(Patience);
        return output.ToString();
    }
}
